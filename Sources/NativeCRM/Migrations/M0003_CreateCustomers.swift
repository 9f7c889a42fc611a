import Fluent

/// Customers and their one record each.
/// Indexes: `GET /crm/customers` pages newest first on (created_at, id), or on
/// (assigned_sales_id, created_at, id) when filtered by salesperson; records are found by customer_id
/// (unique) and filtered by (customer_status, customer_id).
struct M0003_CreateCustomers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("customers")
            .id()
            .field("first_name", .string, .required)
            .field("last_name", .string, .required)
            .field("email", .string)
            .field("phone", .string)
            .field("date_of_birth", .string)
            .field("assigned_sales_id", .uuid, .references("users", "id"))
            .field("search_text", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await createIndex("idx_customers_created", on: "customers", ["created_at", "id"], on: database)
        try await createIndex("idx_customers_sales_created", on: "customers",
                              ["assigned_sales_id", "created_at", "id"], on: database)
        try await createIndex("idx_customers_email", on: "customers", ["email"], on: database)
        try await createIndex("idx_customers_phone", on: "customers", ["phone"], on: database)

        try await database.schema("customer_records")
            .id()
            .field("customer_id", .uuid, .required, .references("customers", "id", onDelete: .cascade))
            .field("customer_status", .string, .required)
            .field("notes", .string)
            .field("preferences", .string, .required)
            // Stored statistics: always equal to RecordStatistics.compute (see RecordService.recompute).
            .field("total_appointments", .int, .required)
            .field("completed_appointments", .int, .required)
            .field("cancelled_appointments", .int, .required)
            .field("lifetime_value_cents", .int64, .required)
            .field("first_appointment_date", .datetime)
            .field("last_appointment_date", .datetime)
            .field("last_contact_date", .datetime)
            .field("average_days_between_visits", .double)
            .field("is_repeat_customer", .bool, .required)
            .field("repeat_count", .int, .required)
            .field("expected_next_visit", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "customer_id")
            .create()
        try await createIndex("idx_records_status", on: "customer_records", ["customer_status", "customer_id"],
                              on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("customer_records").delete()
        try await database.schema("customers").delete()
    }
}

import Fluent

/// Communication log. Indexes: a customer's history newest first by (customer_id, occurred_at, id),
/// with a type filter by (customer_id, type, occurred_at, id); analytics by (logged_by, occurred_at).
struct M0006_CreateCommunications: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("communications")
            .id()
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("type", .string, .required)
            .field("direction", .string)
            .field("status", .string, .required)
            .field("subject", .string)
            .field("notes", .string)
            .field("duration_seconds", .int)
            .field("scheduled_at", .datetime)
            .field("occurred_at", .datetime, .required)
            .field("metadata", .string, .required)
            .field("logged_by", .uuid, .required, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await createIndex("idx_communications_customer_time", on: "communications",
                              ["customer_id", "occurred_at", "id"], on: database)
        try await createIndex("idx_communications_customer_type_time", on: "communications",
                              ["customer_id", "type", "occurred_at", "id"], on: database)
        try await createIndex("idx_communications_logger_time", on: "communications",
                              ["logged_by", "occurred_at"], on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("communications").delete()
    }
}

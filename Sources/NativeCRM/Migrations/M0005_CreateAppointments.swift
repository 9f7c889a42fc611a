import Fluent

/// Appointments. Indexes: a customer's appointments and statistics by (customer_id, start_time);
/// `GET /crm/appointments` pages by (start_time, id), or (status, start_time, id) when filtered by status.
struct M0005_CreateAppointments: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("appointments")
            .id()
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("service_id", .uuid, .required, .references("services", "id"))
            .field("clinic_id", .uuid, .required, .references("clinics", "id"))
            .field("start_time", .datetime, .required)
            .field("end_time", .datetime)
            .field("status", .string, .required)
            .field("total_amount_cents", .int64, .required)
            .field("treatment_details", .string, .required)
            .field("notes", .string)
            .field("created_by", .uuid, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await createIndex("idx_appointments_customer_start", on: "appointments",
                              ["customer_id", "start_time", "id"], on: database)
        try await createIndex("idx_appointments_start", on: "appointments", ["start_time", "id"], on: database)
        try await createIndex("idx_appointments_status_start", on: "appointments",
                              ["status", "start_time", "id"], on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("appointments").delete()
    }
}

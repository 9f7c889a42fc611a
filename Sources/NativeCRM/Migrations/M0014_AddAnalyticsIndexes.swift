import Fluent
import SQLKit

/// Lets the analytics aggregates read indexes only, never the tables' rows:
/// - `appointments.sales_id`, a copy of the customer's `assigned_sales_id` (kept by CustomerService in
///   the same transaction as a reassignment, set by AppointmentService on booking), so a salesperson's
///   revenue is one range of (sales_id, status, start_time) carrying the amount, instead of a seek into
///   every one of their customers' appointments;
/// - communications by (logged_by, occurred_at) carrying type, status and direction, and actions by
///   (assigned_to, created_at) carrying status and due date; they replace the two-column indexes
///   that served the same ranges but had to read each row.
struct M0014_AddAnalyticsIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One transaction: a failed step leaves nothing half-applied (both databases run DDL in one).
        try await database.transaction { database in
            try await database.schema("appointments").field("sales_id", .uuid).update()
            try await database.sql.raw("""
                UPDATE appointments SET sales_id = (SELECT c.assigned_sales_id FROM customers c WHERE c.id = appointments.customer_id)
                """).run()
            try await createIndex("idx_appointments_sales_revenue", on: "appointments",
                                  ["sales_id", "status", "start_time", "total_amount_cents"], on: database)
            try await createIndex("idx_communications_logger_summary", on: "communications",
                                  ["logged_by", "occurred_at", "type", "status", "direction"], on: database)
            try await database.sql.drop(index: "idx_communications_logger_time").run()
            try await createIndex("idx_actions_assignee_summary", on: "sales_actions",
                                  ["assigned_to", "created_at", "status", "due_date"], on: database)
            try await database.sql.drop(index: "idx_actions_assignee_created").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await createIndex("idx_actions_assignee_created", on: "sales_actions", ["assigned_to", "created_at"],
                              on: database)
        try await database.sql.drop(index: "idx_actions_assignee_summary").run()
        try await createIndex("idx_communications_logger_time", on: "communications", ["logged_by", "occurred_at"],
                              on: database)
        try await database.sql.drop(index: "idx_communications_logger_summary").run()
        try await database.sql.drop(index: "idx_appointments_sales_revenue").run()
        try await database.schema("appointments").deleteField("sales_id").update()
    }
}

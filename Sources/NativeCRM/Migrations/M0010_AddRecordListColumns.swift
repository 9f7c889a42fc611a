import Fluent
import Foundation
import SQLKit

/// Lets the repeat and follow-up lists and the analytics be served from customer_records by index:
/// a copy of the customer's `assigned_sales_id` (kept by CustomerService in the same transaction) and
/// `contact_sort_at` (the last contact, or 1970-01-01 for never contacted, so they sort first).
/// Indexes: repeat list (repeat_count, lifetime_value_cents, customer_id), per salesperson too;
/// follow-up (contact_sort_at, customer_id), per salesperson too; actions by (assigned_to, created_at)
/// for analytics.
struct M0010_AddRecordListColumns: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // Added as nullable columns (SQLite cannot add a NOT NULL column without a constant default);
        // every write sets contact_sort_at, and the backfill below covers existing rows.
        try await database.schema("customer_records")
            .field("assigned_sales_id", .uuid)
            .update()
        try await database.schema("customer_records")
            .field("contact_sort_at", .datetime)
            .update()
        try await database.sql.raw("""
            UPDATE customer_records SET
              assigned_sales_id = (SELECT c.assigned_sales_id FROM customers c WHERE c.id = customer_records.customer_id),
              contact_sort_at = COALESCE(last_contact_date, \(bind: Date(timeIntervalSince1970: 0)))
            """).run()
        try await createIndex("idx_records_repeat", on: "customer_records",
                              ["repeat_count", "lifetime_value_cents", "customer_id"], on: database)
        try await createIndex("idx_records_sales_repeat", on: "customer_records",
                              ["assigned_sales_id", "repeat_count", "lifetime_value_cents", "customer_id"], on: database)
        try await createIndex("idx_records_follow_up", on: "customer_records", ["contact_sort_at", "customer_id"],
                              on: database)
        try await createIndex("idx_records_sales_follow_up", on: "customer_records",
                              ["assigned_sales_id", "contact_sort_at", "customer_id"], on: database)
        try await createIndex("idx_actions_assignee_created", on: "sales_actions", ["assigned_to", "created_at"],
                              on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("customer_records").deleteField("contact_sort_at").update()
        try await database.schema("customer_records").deleteField("assigned_sales_id").update()
    }
}

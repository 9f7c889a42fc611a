import Fluent
import SQLKit

/// Leads, and the one-row lock that serialises automatic assignment.
/// Indexes: `GET /crm/leads` pages newest first by (created_at, id), or within (status | source |
/// assigned_sales_id, created_at, id) when filtered; open-lead counts per salesperson use
/// (assigned_sales_id, status); conversion looks customers up by email / phone (M0003).
/// Analytics reads (assigned_sales_id, created_at) through the same index.
struct M0009_CreateLeads: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("leads")
            .id()
            .field("source", .string, .required)
            .field("first_name", .string, .required)
            .field("last_name", .string)
            .field("email", .string)
            .field("phone", .string)
            .field("status", .string, .required)
            .field("notes", .string)
            .field("estimated_value_cents", .int64)
            .field("metadata", .string, .required)
            .field("assigned_sales_id", .uuid, .references("users", "id"))
            .field("lost_reason", .string)
            .field("converted_customer_id", .uuid, .references("customers", "id"))
            .field("converted_at", .datetime)
            .field("first_contacted_at", .datetime)
            .field("first_contact_minutes", .double)
            .field("search_text", .string, .required)
            .field("created_by", .uuid, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await createIndex("idx_leads_created", on: "leads", ["created_at", "id"], on: database)
        try await createIndex("idx_leads_status_created", on: "leads", ["status", "created_at", "id"], on: database)
        try await createIndex("idx_leads_source_created", on: "leads", ["source", "created_at", "id"], on: database)
        try await createIndex("idx_leads_sales_created", on: "leads", ["assigned_sales_id", "created_at", "id"],
                              on: database)
        try await createIndex("idx_leads_sales_status", on: "leads", ["assigned_sales_id", "status"], on: database)

        try await database.schema("assignment_locks")
            .field("id", .int, .identifier(auto: false))
            .field("version", .int64, .required)
            .create()
        try await database.sql.insert(into: "assignment_locks").columns("id", "version").values(SQLBind(1), SQLBind(0)).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("assignment_locks").delete()
        try await database.schema("leads").delete()
    }
}

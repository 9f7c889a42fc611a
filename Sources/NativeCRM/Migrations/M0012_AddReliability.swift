import Fluent
import SQLKit

/// Optimistic concurrency (`version` on every mutable resource), the audit trail, and idempotency keys.
/// Indexes: audit entries are listed newest first by (created_at, id), per entity
/// (entity_type, entity_id, created_at, id), per user (user_id, created_at, id) and per customer
/// (customer_id, created_at, id); idempotency keys are unique per (user_id, key) and expire by
/// created_at.
struct M0012_AddReliability: AsyncMigration {
    static let versioned = ["customers", "customer_records", "sales_actions", "leads", "appointments", "tags"]

    func prepare(on database: any Database) async throws {
        for table in Self.versioned {
            try await database.schema(table).field("version", .int, .required, .sql(.default(1))).update()
        }
        try await database.schema("audit_entries")
            .id()
            .field("user_id", .uuid)
            .field("request_id", .string)
            .field("entity_type", .string, .required)
            .field("entity_id", .uuid, .required)
            .field("action", .string, .required)
            .field("changes", .string, .required)
            .field("customer_id", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await createIndex("idx_audit_time", on: "audit_entries", ["created_at", "id"], on: database)
        try await createIndex("idx_audit_entity", on: "audit_entries", ["entity_type", "entity_id", "created_at", "id"],
                              on: database)
        try await createIndex("idx_audit_user", on: "audit_entries", ["user_id", "created_at", "id"], on: database)
        try await createIndex("idx_audit_customer", on: "audit_entries", ["customer_id", "created_at", "id"], on: database)

        try await database.schema("idempotency_keys")
            .id()
            .field("user_id", .uuid, .required)
            .field("key", .string, .required)
            .field("request_hash", .string, .required)
            .field("state", .string, .required)
            .field("response_status", .int)
            .field("response_body", .string)
            .field("response_content_type", .string)
            .field("response_etag", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "user_id", "key")
            .create()
        try await createIndex("idx_idempotency_created", on: "idempotency_keys", ["created_at"], on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("idempotency_keys").delete()
        try await database.schema("audit_entries").delete()
        for table in Self.versioned {
            try await database.schema(table).deleteField("version").update()
        }
    }
}

import Fluent
import SQLKit

/// `GET /crm/audit?entityId=` and `?entityType=` on their own: each gets an index in newest-first order,
/// so the page is a range read instead of a walk through the whole trail.
struct M0015_AddAuditLookupIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One transaction: a failed step leaves nothing half-applied (both databases run DDL in one).
        try await database.transaction { database in
            try await createIndex("idx_audit_entity_id_time", on: "audit_entries", ["entity_id", "created_at", "id"],
                                  on: database)
            try await createIndex("idx_audit_type_time", on: "audit_entries", ["entity_type", "created_at", "id"],
                                  on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "idx_audit_type_time").run()
        try await database.sql.drop(index: "idx_audit_entity_id_time").run()
    }
}

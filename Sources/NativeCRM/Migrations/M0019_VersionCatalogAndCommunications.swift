import Fluent

/// Clinics, services and communications become editable (`PATCH`), so they get the optimistic-concurrency
/// `version` every other mutable resource has (sent as the ETag; existing rows start at 1).
struct M0019_VersionCatalogAndCommunications: AsyncMigration {
    static let tables = ["clinics", "services", "communications"]

    func prepare(on database: any Database) async throws {
        for table in Self.tables {
            try await database.schema(table).field("version", .int, .required, .sql(.default(1))).update()
        }
    }

    func revert(on database: any Database) async throws {
        for table in Self.tables {
            try await database.schema(table).deleteField("version").update()
        }
    }
}

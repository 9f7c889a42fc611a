import Fluent

/// Clinics and the services (treatments) they sell. Lists page by name (unique, case-insensitive via
/// the lower-cased `name_key`).
struct M0004_CreateCatalog: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("clinics")
            .id()
            .field("name", .string, .required)
            .field("name_key", .string, .required)
            .field("address", .string)
            .field("phone", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "name_key")
            .create()
        try await database.schema("services")
            .id()
            .field("name", .string, .required)
            .field("name_key", .string, .required)
            .field("price_cents", .int64, .required)
            .field("typical_interval_days", .int)
            .field("duration_minutes", .int)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "name_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("services").delete()
        try await database.schema("clinics").delete()
    }
}

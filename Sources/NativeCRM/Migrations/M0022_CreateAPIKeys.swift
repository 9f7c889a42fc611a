import Fluent
import SQLKit

/// API keys for machines (the website's form, an ad platform's relay, a reporting job).
/// - `users.kind`: `person` (signs in with a password) or `api_key` (the key's own user row, so every
///   `created_by`, `logged_by` and audit entry names the key). Existing rows are people.
/// - `api_keys`: one row per key, its `id` the same as its user's; only the SHA-256 of the key is kept
///   (`key_hash`, unique: the per-request lookup), its first characters (`prefix`) to recognise it in a
///   list, the scopes that narrow it (comma-separated, empty: the role's rights), who made it, when it
///   was last used and when it was revoked.
struct M0022_CreateAPIKeys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.transaction { database in
            try await database.schema("users").field("kind", .string, .required, .sql(.default("person"))).update()
            try await database.schema("api_keys")
                .field("id", .uuid, .identifier(auto: false))
                .field("name", .string, .required)
                .field("key_hash", .string, .required)
                .field("prefix", .string, .required)
                .field("scopes", .string, .required)
                .field("created_by", .uuid)
                .field("created_at", .datetime, .required)
                .field("last_used_at", .datetime)
                .field("revoked_at", .datetime)
                .unique(on: "key_hash")
                .create()
            try await createIndex("idx_api_keys_created", on: "api_keys", ["created_at", "id"], on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("api_keys").delete()
        try await database.schema("users").deleteField("kind").update()
    }
}

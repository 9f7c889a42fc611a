import Fluent
import SQLKit

/// Private iCalendar feeds: at most one per user (`user_id` is the key), found by the SHA-256 of the
/// random token in its URL (`token_hash`, unique). Deleting the row revokes the URL.
struct M0024_CreateCalendarFeeds: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("calendar_feeds")
            .field("user_id", .uuid, .identifier(auto: false))
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("calendar_feeds").delete()
    }
}

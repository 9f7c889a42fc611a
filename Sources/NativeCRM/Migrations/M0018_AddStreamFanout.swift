import Fluent
import SQLKit

/// The live stream's fan-out and its browser tickets.
/// - `idx_notifications_time (created_at, id)`: one reader per instance pages every new notification
///   in that order (SQLite; PostgreSQL reads the same way after a reconnect).
/// - On PostgreSQL a trigger announces each new notification's id on the channel
///   `crm_notifications_<schema>` when its transaction commits (`LISTEN`/`NOTIFY`), so every instance
///   learns of it at once, in commit order, whatever instance wrote it.
/// - `stream_tickets`: single-use tickets for `EventSource` (which cannot send `Authorization`), stored
///   as SHA-256 hashes with the session they stand for; `expires_at` indexed for the purge.
struct M0018_AddStreamFanout: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.transaction { database in
            try await createIndex("idx_notifications_time", on: "notifications", ["created_at", "id"], on: database)
            try await database.schema("stream_tickets")
                .field("ticket_hash", .string, .identifier(auto: false))
                .field("user_id", .uuid, .required)
                .field("token_id", .string, .required)
                .field("token_epoch", .int, .required)
                .field("token_expires_at", .datetime, .required)
                .field("expires_at", .datetime, .required)
                .field("used_at", .datetime)
                .create()
            try await createIndex("idx_stream_tickets_expiry", on: "stream_tickets", ["expires_at"], on: database)
            guard database.sql.dialect.name != "sqlite" else { return }
            try await database.sql.raw("""
                CREATE FUNCTION crm_notification_inserted() RETURNS trigger AS $$
                BEGIN
                  PERFORM pg_notify('crm_notifications_' || current_schema(), NEW.id::text);
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql
                """).run()
            try await database.sql.raw("""
                CREATE TRIGGER notifications_inserted AFTER INSERT ON notifications
                FOR EACH ROW EXECUTE FUNCTION crm_notification_inserted()
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        if database.sql.dialect.name != "sqlite" {
            try await database.sql.raw("DROP TRIGGER notifications_inserted ON notifications").run()
            try await database.sql.raw("DROP FUNCTION crm_notification_inserted()").run()
        }
        try await database.schema("stream_tickets").delete()
        try await database.sql.drop(index: "idx_notifications_time").run()
    }
}

import Fluent
import SQLKit

/// Sessions that can be ended and throttling an attacker cannot turn on others.
/// - `users.token_epoch`: every token carries the epoch it was issued in; deactivation, reactivation
///   and password changes move it on, ending all earlier tokens (read by the per-request user lookup).
/// - `revoked_tokens`: one ended token (logout) until it would have expired anyway; primary key `jti`
///   (the per-request check), `expires_at` indexed for the purge.
/// - `notification_streams`: the open live streams, at most 5 per user across instances; read by
///   (user_id, opened_at) to find the oldest.
/// - `login_throttles` is rebuilt: failures per account, per (account, client address) and per client
///   address, one row per `throttle_key`; `window_started_at` indexed for the purge. Old counters are
///   dropped (they expire within 15 minutes anyway).
struct M0016_AddSessionSecurity: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.transaction { database in
            try await database.schema("users").field("token_epoch", .int, .required, .sql(.default(0))).update()
            try await database.schema("users").field("password_changed_at", .datetime).update()

            try await database.schema("revoked_tokens")
                .field("jti", .string, .identifier(auto: false))
                .field("user_id", .uuid, .required)
                .field("expires_at", .datetime, .required)
                .create()
            try await createIndex("idx_revoked_tokens_expiry", on: "revoked_tokens", ["expires_at"], on: database)

            try await database.schema("notification_streams")
                .id()
                .field("user_id", .uuid, .required)
                .field("opened_at", .datetime, .required)
                .create()
            try await createIndex("idx_notification_streams_user", on: "notification_streams", ["user_id", "opened_at", "id"],
                                  on: database)

            try await database.schema("login_throttles").delete()
            try await database.schema("login_throttles")
                .field("throttle_key", .string, .identifier(auto: false))
                .field("failures", .int, .required)
                .field("window_started_at", .datetime, .required)
                .field("locked_until", .datetime)
                .create()
            try await createIndex("idx_login_throttles_window", on: "login_throttles", ["window_started_at"], on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("login_throttles").delete()
        try await M0002_CreateLoginThrottles().prepare(on: database)
        try await database.schema("notification_streams").delete()
        try await database.schema("revoked_tokens").delete()
        try await database.schema("users").deleteField("password_changed_at").update()
        try await database.schema("users").deleteField("token_epoch").update()
    }
}

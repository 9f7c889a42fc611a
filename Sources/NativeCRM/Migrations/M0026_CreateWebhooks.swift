import Fluent
import SQLKit

/// Outbound webhooks:
/// - `webhooks`: the subscriptions (URL, comma-separated event types, the signing secret, whether it is
///   active, since when it has been failing, when and why it was disabled);
/// - `webhook_events`: the outbox, one row per event, written in the transaction of the change; `seq`
///   (auto-increment) orders events, `body` is the exact JSON every subscriber receives;
/// - `webhook_deliveries`: one row per (webhook, event), its attempts and outcome. Due ones are read by
///   (status, next_attempt_at); per-entity order by (webhook_id, entity_key, event_seq); the log by
///   (webhook_id, created_at); an event's deliveries by (event_seq).
struct M0026_CreateWebhooks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.transaction { database in
            try await database.schema("webhooks")
                .id()
                .field("url", .string, .required)
                .field("events", .string, .required)
                .field("description", .string)
                .field("secret", .string, .required)
                .field("active", .bool, .required)
                .field("failing_since", .datetime)
                .field("disabled_at", .datetime)
                .field("disabled_reason", .string)
                .field("created_by", .uuid)
                .field("created_at", .datetime, .required)
                .field("updated_at", .datetime, .required)
                .create()
            try await createIndex("idx_webhooks_created", on: "webhooks", ["created_at", "id"], on: database)

            try await database.schema("webhook_events")
                .field("seq", .int64, .identifier(auto: true))
                .field("id", .uuid, .required)
                .field("type", .string, .required)
                .field("entity_type", .string, .required)
                .field("entity_id", .uuid, .required)
                .field("body", .string, .required)
                .field("created_at", .datetime, .required)
                .unique(on: "id")
                .create()
            try await createIndex("idx_webhook_events_created", on: "webhook_events", ["created_at"], on: database)

            try await database.schema("webhook_deliveries")
                .id()
                .field("webhook_id", .uuid, .required)
                .field("event_seq", .int64, .required)
                .field("event_id", .uuid, .required)
                .field("event_type", .string, .required)
                .field("entity_key", .string, .required)
                .field("status", .string, .required)
                .field("attempts", .int, .required)
                .field("next_attempt_at", .datetime, .required)
                .field("last_attempt_at", .datetime)
                .field("last_status_code", .int)
                .field("last_error", .string)
                .field("delivered_at", .datetime)
                .field("created_at", .datetime, .required)
                .unique(on: "webhook_id", "event_id")
                .create()
            try await createIndex("idx_webhook_deliveries_due", on: "webhook_deliveries", ["status", "next_attempt_at"],
                                  on: database)
            try await createIndex("idx_webhook_deliveries_entity", on: "webhook_deliveries",
                                  ["webhook_id", "entity_key", "event_seq"], on: database)
            try await createIndex("idx_webhook_deliveries_event", on: "webhook_deliveries", ["event_seq"], on: database)
            try await createIndex("idx_webhook_deliveries_log", on: "webhook_deliveries", ["webhook_id", "created_at", "id"],
                                  on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("webhook_deliveries").delete()
        try await database.schema("webhook_events").delete()
        try await database.schema("webhooks").delete()
    }
}

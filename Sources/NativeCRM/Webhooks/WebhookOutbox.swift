import Fluent
import SQLKit
import Vapor

/// Writes an event to the outbox in the transaction of the change it describes: one `webhook_events`
/// row (the exact body every subscriber receives) and one pending delivery per active webhook that
/// subscribes to its type. With no such webhook nothing is written, and `data` is never built.
/// `WebhookDeliveryJob` sends the deliveries.
struct WebhookOutbox: Sendable {
    /// The change's transaction.
    let db: any Database
    let clock: CRMClock

    /// What a receiver gets (Standard Webhooks' payload): the type, when it happened and the entity as
    /// the API shows it.
    private struct Envelope<Data: Encodable>: Encodable {
        var type: WebhookEventType
        var timestamp: Date
        var data: Data
    }

    func record<Data: Encodable>(_ type: WebhookEventType, entity: String, id entityID: UUID,
                                 data: () async throws -> Data) async throws {
        let hooks = try await db.sql.raw("""
            SELECT id FROM webhooks
            WHERE active = \(bind: true) AND (',' || events || ',') LIKE \(bind: "%,\(type.rawValue),%")
            """).all().map { try $0.decode(column: "id", as: UUID.self) }
        guard !hooks.isEmpty else { return }
        let now = clock.now
        let eventID = UUID()
        let body = String(decoding: try JSONCoding.encoder.encode(Envelope(type: type, timestamp: now, data: try await data())),
                          as: UTF8.self)
        guard let seq = try await db.sql.raw("""
            INSERT INTO webhook_events (id, type, entity_type, entity_id, body, created_at)
            VALUES (\(bind: eventID), \(bind: type.rawValue), \(bind: entity), \(bind: entityID), \(bind: body), \(bind: now))
            RETURNING seq
            """).first()?.decode(column: "seq", as: Int64.self) else { return }
        for hook in hooks {
            try await db.sql.raw("""
                INSERT INTO webhook_deliveries (id, webhook_id, event_seq, event_id, event_type, entity_key, status, attempts,
                                                next_attempt_at, created_at)
                VALUES (\(bind: UUID()), \(bind: hook), \(bind: seq), \(bind: eventID), \(bind: type.rawValue),
                        \(bind: "\(entity):\(entityID.uuidString)"), \(bind: WebhookDeliveryStatus.pending.rawValue), 0,
                        \(bind: now), \(bind: now))
                """).run()
        }
    }
}

/// Where a delivery stands: waiting for its first or next attempt, or received (a 2xx answer).
enum WebhookDeliveryStatus: String, Sendable {
    case pending
    case delivered
}

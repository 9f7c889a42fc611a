import Fluent
import Foundation

/// One event for one webhook, as its delivery log shows it (written by `WebhookOutbox`, updated by
/// `WebhookDeliveryJob` in SQL; read through this model for the log).
final class WebhookDelivery: Model, @unchecked Sendable {
    static let schema = "webhook_deliveries"

    @ID(custom: "id", generatedBy: .user) var id: UUID?
    @Field(key: "webhook_id") var webhookID: UUID
    @Field(key: "event_seq") var eventSeq: Int64
    @Field(key: "event_id") var eventID: UUID
    @Field(key: "event_type") var eventType: String
    /// `<entity type>:<entity id>`: deliveries of one entity go out in `eventSeq` order.
    @Field(key: "entity_key") var entityKey: String
    @Field(key: "status") var status: String
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "last_attempt_at") var lastAttemptAt: Date?
    @OptionalField(key: "last_status_code") var lastStatusCode: Int?
    @OptionalField(key: "last_error") var lastError: String?
    @OptionalField(key: "delivered_at") var deliveredAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

extension WebhookDelivery {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] {
        [$id, $webhookID, $eventSeq, $eventID, $eventType, $entityKey, $status, $attempts, $nextAttemptAt, $lastAttemptAt,
         $lastStatusCode, $lastError, $deliveredAt, $createdAt]
    }
}

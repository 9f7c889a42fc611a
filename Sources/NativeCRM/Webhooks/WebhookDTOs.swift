import OpenAPIKit
import Vapor

/// `POST /crm/webhooks`.
struct CreateWebhookRequest: Content {
    var url: String
    var events: [WebhookEventType]
    var description: String?
}

/// `PATCH /crm/webhooks/:id`: `active: true` turns a disabled hook on again.
struct UpdateWebhookRequest: Decodable, Sendable {
    var url: String?
    var events: [WebhookEventType]?
    var description: PatchField<String>
    var active: Bool?
}

/// A webhook as lists show it: never its secret.
struct WebhookResponse: Content {
    var id: UUID
    var url: String
    var events: [WebhookEventType]
    @NullEncodable var description: String?
    var active: Bool
    @NullEncodable var failingSince: Date?
    @NullEncodable var disabledAt: Date?
    @NullEncodable var disabledReason: String?
    var createdAt: Date
    var updatedAt: Date

    init(_ hook: Webhook) {
        id = hook.id!
        url = hook.url
        events = hook.events
        description = hook.details
        active = hook.active
        failingSince = hook.failingSince
        disabledAt = hook.disabledAt
        disabledReason = hook.disabledReason
        createdAt = hook.createdAt
        updatedAt = hook.updatedAt
    }
}

/// The answer to `POST /crm/webhooks`: the hook and, this once, its signing secret.
struct CreatedWebhookResponse: ShownOnceResponse {
    static let secretKey = "secret"
    var shown: WebhookResponse
    var secret: String
}

/// Where a delivery stands as its log shows it.
public enum WebhookDeliveryState: String, APIEnum, Documented {
    /// Not tried yet.
    case pending
    /// Tried and failed; `nextAttemptAt` says when it is tried again.
    case retrying
    /// The receiver answered 2xx.
    case delivered
}

/// One line of a webhook's delivery log.
struct WebhookDeliveryResponse: Content {
    var id: UUID
    var eventId: UUID
    var eventType: String
    var entityType: String
    var entityId: String
    var status: WebhookDeliveryState
    var attempts: Int
    @NullEncodable var lastResponseCode: Int?
    @NullEncodable var lastError: String?
    @NullEncodable var lastAttemptAt: Date?
    @NullEncodable var nextAttemptAt: Date?
    @NullEncodable var deliveredAt: Date?
    var createdAt: Date

    init(_ delivery: WebhookDelivery) {
        id = delivery.id!
        eventId = delivery.eventID
        eventType = delivery.eventType
        let entity = delivery.entityKey.split(separator: ":", maxSplits: 1).map(String.init)
        entityType = entity.first ?? ""
        entityId = entity.count > 1 ? entity[1] : ""
        let delivered = delivery.status == WebhookDeliveryStatus.delivered.rawValue
        status = delivered ? .delivered : delivery.attempts == 0 ? .pending : .retrying
        attempts = delivery.attempts
        lastResponseCode = delivery.lastStatusCode
        lastError = delivery.lastError
        lastAttemptAt = delivery.lastAttemptAt
        nextAttemptAt = delivered ? nil : delivery.nextAttemptAt
        deliveredAt = delivery.deliveredAt
        createdAt = delivery.createdAt
    }
}

// MARK: - The API document's schemas

private let urlSchema = JSONSchema.string(
    description: "An http(s) URL, at most \(WebhookTarget.maxURLLength) characters, without user or password. Its host must "
        + "resolve to public addresses only (loopback, private, link-local and metadata addresses are refused with 400) "
        + "unless it is listed in `CRM_WEBHOOK_ALLOW_HOSTS`.",
    maxLength: WebhookTarget.maxURLLength)

private let eventsSchema = Schema.array(WebhookEventType.ref, "The event types to receive: at least one, each once.")

extension CreateWebhookRequest: Documented {
    static let schemaName = "CreateWebhookRequest"
    static var schema: JSONSchema {
        Schema.request(["url": urlSchema, "events": eventsSchema, "description": Schema.notes.orNull],
                       required: ["url", "events"])
    }
}

extension UpdateWebhookRequest: Documented {
    static let schemaName = "UpdateWebhookRequest"
    static var schema: JSONSchema {
        Schema.request([
            "url": urlSchema.orNull, "events": eventsSchema.orNull,
            "description": Schema.text(TextLimits.notes, "At most \(TextLimits.notes) characters; null clears it.").orNull,
            "active": Schema.boolean.described("false switches the hook off; true switches it on again (also after it was "
                + "disabled for failing), and its waiting deliveries resume.").orNull,
        ], required: [])
    }
}

extension WebhookResponse: Documented {
    static let schemaName = "Webhook"
    static var schema: JSONSchema { Schema.response(properties, description: "A webhook (never its secret).") }

    static var properties: OrderedDictionary<String, JSONSchema> {
        [
            "id": Schema.uuid, "url": Schema.string, "events": Schema.array(WebhookEventType.ref),
            "description": Schema.string.orNull,
            "active": Schema.boolean.described("Whether events are written and sent for it."),
            "failingSince": Schema.dateTime.orNull.described("The first failed attempt since the last success; null while healthy."),
            "disabledAt": Schema.dateTime.orNull, "disabledReason": Schema.string.orNull,
            "createdAt": Schema.dateTime, "updatedAt": Schema.dateTime,
        ]
    }
}

extension CreatedWebhookResponse: Documented {
    static let schemaName = "CreatedWebhook"
    static var schema: JSONSchema {
        var properties = WebhookResponse.properties
        properties["secret"] = Schema.string.described(
            "`whsec_` and the base64 of 32 bytes: the key of the `webhook-signature` HMAC (Standard Webhooks). Shown only in this answer.")
        return Schema.response(properties, description: "A new webhook, with its signing secret shown once.")
    }
}

extension WebhookDeliveryResponse: Documented {
    static let schemaName = "WebhookDelivery"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid, "eventId": Schema.uuid.described("Also the `webhook-id` header: the same on every attempt."),
            "eventType": WebhookEventType.ref, "entityType": Schema.string, "entityId": Schema.uuid,
            "status": WebhookDeliveryState.ref, "attempts": Schema.count,
            "lastResponseCode": Schema.integer.orNull.described("The receiver's last HTTP status; null before any answer."),
            "lastError": Schema.string.orNull.described(
                "Why the last attempt failed: `http-<status>`, `timeout`, `unreachable`, `unresolvable`, `refused-address`."),
            "lastAttemptAt": Schema.dateTime.orNull,
            "nextAttemptAt": Schema.dateTime.orNull.described("When it is tried next; null once delivered."),
            "deliveredAt": Schema.dateTime.orNull, "createdAt": Schema.dateTime,
        ], description: "One event's delivery to one webhook.")
    }
}

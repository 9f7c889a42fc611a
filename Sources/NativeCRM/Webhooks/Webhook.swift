import Crypto
import Fluent
import Foundation

/// A subscription of an outside system to the CRM's events: where to POST them, which types, and the
/// secret they are signed with (Standard Webhooks). A hook that has failed for `WebhookDeliveryJob.disableAfter`
/// is switched off (`active` false, `disabledAt`, `disabledReason`) until an ADMIN turns it on again.
final class Webhook: Model, @unchecked Sendable {
    static let schema = "webhooks"

    @ID(custom: "id", generatedBy: .user) var id: UUID?
    @Field(key: "url") var url: String
    /// Comma-separated `WebhookEventType`s.
    @Field(key: "events") var eventsText: String
    @OptionalField(key: "description") var details: String?
    /// `whsec_` and the base64 of 32 random bytes: the receiver needs it to check signatures, so it is
    /// kept as it is (it signs, it does not sign in), and shown only when the hook is made.
    @Field(key: "secret") var secret: String
    @Field(key: "active") var active: Bool
    @OptionalField(key: "failing_since") var failingSince: Date?
    @OptionalField(key: "disabled_at") var disabledAt: Date?
    @OptionalField(key: "disabled_reason") var disabledReason: String?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var events: [WebhookEventType] {
        get { eventsText.split(separator: ",").compactMap { WebhookEventType(rawValue: String($0)) } }
        set { eventsText = newValue.map(\.rawValue).joined(separator: ",") }
    }

    static let secretPrefix = "whsec_"

    /// A new signing secret: `whsec_` and 32 random bytes in base64 (the Standard Webhooks form).
    static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return secretPrefix + Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64EncodedString()
    }
}

extension Webhook {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] {
        [$id, $url, $eventsText, $details, $secret, $active, $failingSince, $disabledAt, $disabledReason, $createdBy,
         $createdAt, $updatedAt]
    }
}

/// What the audit trail records of it: never the secret.
extension Webhook: Auditable {
    static let auditType = "webhook"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { nil }
    var auditFields: [String: JSONValue] {
        ["url": .init(url), "events": .array(events.map { .init($0) }), "description": .init(details),
         "active": .bool(active), "disabledReason": .init(disabledReason)]
    }
}

/// The events a webhook may subscribe to; each is written to the outbox in the transaction of its change.
public enum WebhookEventType: String, APIEnum, Documented {
    case leadCreated = "lead.created"
    case leadAssigned = "lead.assigned"
    case leadConverted = "lead.converted"
    case communicationLogged = "communication.logged"
    case actionCreated = "action.created"
    case actionCompleted = "action.completed"
    case appointmentScheduled = "appointment.scheduled"
    case appointmentCompleted = "appointment.completed"
    case appointmentCancelled = "appointment.cancelled"
    case customerUpdated = "customer.updated"
}

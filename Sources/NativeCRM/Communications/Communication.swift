import Fluent
import SQLKit
import Foundation

/// One logged interaction with a customer: call, email, SMS, WhatsApp, meeting or note.
final class Communication: Model, StoresMetadata, @unchecked Sendable {
    static let schema = "communications"

    @ID(key: .id) var id: UUID?
    @Field(key: "customer_id") var customerID: UUID
    @Field(key: "type") var type: CommunicationType
    @OptionalField(key: "direction") var direction: CommunicationDirection?
    @Field(key: "status") var status: CommunicationStatus
    @OptionalField(key: "subject") var subject: String?
    @OptionalField(key: "notes") var notes: String?
    @OptionalField(key: "duration_seconds") var durationSeconds: Int?
    @OptionalField(key: "scheduled_at") var scheduledAt: Date?
    @Field(key: "occurred_at") var occurredAt: Date
    @Field(key: "metadata") var metadataText: String
    @Field(key: "logged_by") var loggedBy: UUID
    /// Optimistic-concurrency version, sent as the ETag; bumped by every edit.
    @Field(key: "version") var version: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// A missed call that alerts the salesperson and asks for a call back (SPEC): a call with
    /// direction `missed`, or incoming with status `missed`. (Analytics counts more: `missedCallCountSQL`.)
    var isMissedCall: Bool {
        type == .call && (direction == .missed || (direction == .incoming && status == .missed))
    }

    /// Counts as contact for `lastContactDate` (and so the follow-up list): completed and not a note.
    var isContact: Bool { Self.isContact(type: type, status: status) }

    static func isContact(type: CommunicationType, status: CommunicationStatus) -> Bool {
        status == .completed && type != .note
    }

    /// `isContact` in SQL, on a `communications` row.
    static let contactSQL: SQLQueryString =
        "status = \(literal: CommunicationStatus.completed.rawValue) AND type <> \(literal: CommunicationType.note.rawValue)"

    /// Analytics' `missedCalls` (SPEC): calls with status `missed` or direction `missed` — an outgoing
    /// call nobody answered counts here, though it alerts no one.
    static let missedCallCountSQL: SQLQueryString = """
        type = \(literal: CommunicationType.call.rawValue) AND (status = \(literal: CommunicationStatus.missed.rawValue) \
        OR direction = \(literal: CommunicationDirection.missed.rawValue))
        """

    /// `type = '<type>'`.
    static func typeSQL(_ type: CommunicationType) -> SQLQueryString { "type = \(literal: type.rawValue)" }
}

extension Communication {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $customerID, $type, $direction, $status, $subject, $notes, $durationSeconds, $scheduledAt, $occurredAt, $metadataText, $loggedBy, $version, $createdAt, $updatedAt] }
}

/// What the audit trail records of it (`AuditLog`).
extension Communication: Auditable {
    static let auditType = "communication"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { customerID }
    var auditFields: [String: JSONValue] {
        ["customerId": .init(customerID), "type": .init(type), "direction": direction.map { .init($0) } ?? .null,
         "status": .init(status), "subject": .init(subject), "notes": .init(notes), "durationSeconds": .init(durationSeconds),
         "scheduledAt": .init(scheduledAt), "occurredAt": .init(occurredAt), "metadata": .init(json: metadata)]
    }
}

extension Communication: VersionedEntity {}

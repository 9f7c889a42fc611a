import Fluent
import Foundation

/// One notification in a user's inbox.
final class InboxNotification: Model, @unchecked Sendable {
    static let schema = "notifications"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "type") var type: NotificationType
    @Field(key: "title") var title: String
    @Field(key: "body") var body: String
    @OptionalField(key: "entity_type") var entityType: String?
    @OptionalField(key: "entity_id") var entityID: UUID?
    /// One per user and occurrence; the unique constraint makes delivery exactly-once.
    @Field(key: "delivery_key") var deliveryKey: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "read_at") var readAt: Date?

    init() {}
}

/// The six triggers.
public enum NotificationType: String, APIEnum, Documented {
    case leadAssigned = "lead_assigned"
    case missedCall = "missed_call"
    case communicationReminder = "communication_reminder"
    case appointmentUpcoming = "appointment_upcoming"
    case taskDueSoon = "task_due_soon"
    case taskOverdue = "task_overdue"
    /// To every ADMIN: a webhook failed for 3 days and was switched off.
    case webhookDisabled = "webhook_disabled"
}

/// What to deliver to one user.
struct NotificationDraft: Sendable {
    var userID: UUID
    var type: NotificationType
    var title: String
    var body: String
    var entityType: String
    var entityID: UUID
    var deliveryKey: String
}

extension InboxNotification {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $userID, $type, $title, $body, $entityType, $entityID, $deliveryKey, $createdAt, $readAt] }
}

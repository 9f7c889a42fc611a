import Fluent
import Foundation

/// An action or task (call back, follow up, confirm an appointment…) with its assignee and due date.
final class SalesAction: Model, StoresMetadata, @unchecked Sendable {
    static let schema = "sales_actions"
    /// Sort key standing in for "no due date", so those sort last.
    static let noDueDate = CalendarDate(year: 9999, month: 12, day: 31)!.startOfDay

    @ID(key: .id) var id: UUID?
    @OptionalField(key: "customer_id") var customerID: UUID?
    @Field(key: "action_type") var actionType: ActionType
    @Field(key: "title") var title: String
    @OptionalField(key: "description") var details: String?
    @Field(key: "status") var status: ActionStatus
    @Field(key: "priority") var priority: ActionPriority
    @Field(key: "priority_rank") var priorityRank: Int
    @OptionalField(key: "due_date") var dueDate: Date?
    @Field(key: "sort_due_at") var sortDueAt: Date
    @OptionalField(key: "related_appointment_id") var relatedAppointmentID: UUID?
    @OptionalField(key: "related_lead_id") var relatedLeadID: UUID?
    @Field(key: "metadata") var metadataText: String
    @OptionalField(key: "assigned_to") var assignedTo: UUID?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @OptionalField(key: "completed_at") var completedAt: Date?
    /// Optimistic-concurrency version, sent as the ETag; bumped by every edit.
    @Field(key: "version") var version: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    func setPriority(_ value: ActionPriority) {
        priority = value
        priorityRank = value.rank
    }

    func setDueDate(_ value: Date?) {
        dueDate = value
        sortDueAt = value ?? Self.noDueDate
    }

    /// Moves to `status`, stamping `completedAt` on completion and clearing it otherwise.
    func setStatus(_ value: ActionStatus, now: Date) {
        if value == .completed, status != .completed || completedAt == nil { completedAt = now }
        if value != .completed { completedAt = nil }
        status = value
    }
}

extension SalesAction {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $customerID, $actionType, $title, $details, $status, $priority, $priorityRank, $dueDate, $sortDueAt, $relatedAppointmentID, $relatedLeadID, $metadataText, $assignedTo, $createdBy, $completedAt, $version, $createdAt, $updatedAt] }
}

/// What the audit trail records of it (`AuditLog`).
extension SalesAction: Auditable {
    static let auditType = "action"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { customerID }
    var auditFields: [String: JSONValue] {
        ["actionType": .init(actionType), "title": .init(title), "description": .init(details), "status": .init(status),
         "priority": .init(priority), "dueDate": .init(dueDate), "assignedTo": .init(assignedTo),
         "relatedAppointmentId": .init(relatedAppointmentID), "relatedLeadId": .init(relatedLeadID),
         "completedAt": .init(completedAt), "metadata": .init(json: metadata)]
    }
}

extension SalesAction: VersionedEntity {}

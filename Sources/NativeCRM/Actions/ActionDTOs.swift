import Vapor

/// `POST /crm/actions` (seed body, plus `assignedTo`).
struct CreateActionRequest: Content {
    var customerId: UUID?
    var actionType: ActionType
    var title: String
    var description: String?
    var status: ActionStatus?
    var priority: ActionPriority?
    var dueDate: Date?
    var relatedAppointmentId: UUID?
    var relatedLeadId: UUID?
    var metadata: JSONObject?
    var assignedTo: UUID?
}

/// `PUT /crm/actions/:id`: partial; `metadata` merges shallowly (null removes a key).
struct UpdateActionRequest: Decodable, Sendable {
    var actionType: ActionType?
    var title: String?
    var description: PatchField<String>
    var status: ActionStatus?
    var priority: ActionPriority?
    var dueDate: PatchField<Date>
    var assignedTo: PatchField<UUID>
    var metadata: JSONObject?
}

/// An action as the API shows it, with the seed's "time tracking" computed from the server clock.
struct ActionResponse: Content {
    var id: UUID
    @NullEncodable var customerId: UUID?
    var actionType: ActionType
    var title: String
    @NullEncodable var description: String?
    var status: ActionStatus
    var priority: ActionPriority
    @NullEncodable var dueDate: Date?
    @NullEncodable var relatedAppointmentId: UUID?
    @NullEncodable var relatedLeadId: UUID?
    var metadata: JSONObject
    @NullEncodable var assignedTo: UUID?
    @NullEncodable var createdBy: UUID?
    @NullEncodable var completedAt: Date?
    /// Pending and past its due date.
    var isOverdue: Bool
    /// Seconds from now to the due date (negative when past); null without a due date.
    @NullEncodable var secondsUntilDue: Int?
    var createdAt: Date
    var updatedAt: Date
    /// Who the action is about, so a to-do list needs no request per row (null without a customer).
    @NullEncodable var customer: ActionCustomer?

    init(_ action: SalesAction, now: Date, customer: Customer?) {
        self.customer = customer.map(ActionCustomer.init)
        id = action.id!
        customerId = action.customerID
        actionType = action.actionType
        title = action.title
        description = action.details
        status = action.status
        priority = action.priority
        dueDate = action.dueDate
        relatedAppointmentId = action.relatedAppointmentID
        relatedLeadId = action.relatedLeadID
        metadata = action.metadata
        assignedTo = action.assignedTo
        createdBy = action.createdBy
        completedAt = action.completedAt
        isOverdue = ActionDue.isOverdue(status: action.status, due: action.dueDate, now: now)
        secondsUntilDue = action.dueDate.map { Int($0.timeIntervalSince(now).rounded(.down)) }
        createdAt = action.createdAt
        updatedAt = action.updatedAt
    }
}

/// An action and the customer it is about (nil for none), as its response shows them.
struct ActionView: Sendable {
    let action: SalesAction
    let customer: Customer?

    func response(now: Date) -> ActionResponse { ActionResponse(action, now: now, customer: customer) }
}

/// The customer block of an action: enough to show and call them.
struct ActionCustomer: Content {
    var id: UUID
    var firstName: String
    var lastName: String
    @NullEncodable var phone: String?

    init(_ customer: Customer) {
        id = customer.id!
        firstName = customer.firstName
        lastName = customer.lastName
        phone = customer.phone
    }
}

/// Filters of `GET /crm/actions`.
struct ActionFilter: Sendable {
    var status: ActionStatus?
    var priority: ActionPriority?
    var customerID: UUID?
    var assignedTo: UUID?
    /// Due strictly before this instant.
    var dueBefore: Date?
    /// Due at or after this instant.
    var dueAfter: Date?
}

/// An action other domains create on their own (appointment confirmation, follow-up, missed call).
struct AutomaticAction: Sendable {
    var customerID: UUID
    var type: ActionType
    var title: String
    var description: String?
    var priority: ActionPriority
    var dueDate: Date
    var assignedTo: UUID?
    var createdBy: UUID?
    var relatedAppointmentID: UUID?
}

import OpenAPIKit
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

// MARK: - The API document's schemas

extension ActionResponse: Documented {
    static let schemaName = "Action"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid,
            "customerId": Schema.uuid.orNull,
            "actionType": ActionType.ref,
            "title": Schema.string,
            "description": Schema.string.orNull,
            "status": ActionStatus.ref,
            "priority": ActionPriority.ref,
            "dueDate": Schema.dateTime.orNull,
            "relatedAppointmentId": Schema.uuid.orNull,
            "relatedLeadId": Schema.uuid.orNull,
            "metadata": Schema.jsonObject,
            "assignedTo": Schema.uuid.orNull,
            "createdBy": Schema.uuid.orNull,
            "completedAt": Schema.dateTime.orNull,
            "isOverdue": Schema.boolean.described("Pending and past its due date."),
            "secondsUntilDue": Schema.integer.described(
                "Seconds from now to the due date, negative when past; null without a due date.").orNull,
            "createdAt": Schema.dateTime, "updatedAt": Schema.dateTime,
            "customer": Schema.response([
                "id": Schema.uuid, "firstName": Schema.string, "lastName": Schema.string, "phone": Schema.string.orNull,
            ]).described("Who the action is about (null without a customer), so a to-do list needs no request per row.").orNull,
        ])
    }
}

extension CreateActionRequest: Documented {
    static let schemaName = "CreateActionRequest"
    static var schema: JSONSchema {
        Schema.request([
            "customerId": Schema.uuid.described("Required; an existing customer (400 otherwise)."),
            "actionType": ActionType.ref,
            "title": Schema.title,
            "description": Schema.notes.orNull,
            "status": Schema.oneOf(ActionStatus.self).described("Defaults to `pending`.").orNull,
            "priority": Schema.oneOf(ActionPriority.self).described("Defaults to `medium`.").orNull,
            "dueDate": Schema.dateTime.orNull,
            "relatedAppointmentId": Schema.uuid.described("An appointment of the same customer (400 otherwise).").orNull,
            "relatedLeadId": Schema.uuid.orNull,
            "metadata": Schema.jsonIn.orNull,
            "assignedTo": Schema.uuid.described(
                "An active user; defaults to the creator if a SALESPERSON, else the customer's salesperson.").orNull,
        ], required: ["customerId", "actionType", "title"])
    }
}

extension UpdateActionRequest: Documented {
    static let schemaName = "UpdateActionRequest"
    static var schema: JSONSchema {
        Schema.request([
            "actionType": Schema.oneOf(ActionType.self).orNull,
            "title": Schema.title.orNull,
            "description": Schema.text(TextLimits.notes, "At most \(TextLimits.notes) characters; null clears it.").orNull,
            "status": Schema.oneOf(ActionStatus.self).orNull,
            "priority": Schema.oneOf(ActionPriority.self).orNull,
            "dueDate": Schema.dateTime.described("Null clears it.").orNull,
            "assignedTo": Schema.uuid.described("An active user; null unassigns.").orNull,
            "metadata": Schema.jsonMerge.orNull,
        ], required: [], description: "Partial update: only the fields present change.")
    }
}

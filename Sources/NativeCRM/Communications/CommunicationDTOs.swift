import Vapor

/// `POST /crm/communications` (seed body, plus `occurredAt`).
struct CreateCommunicationRequest: Content {
    var customerId: UUID
    var type: CommunicationType
    var direction: CommunicationDirection?
    var status: CommunicationStatus?
    var subject: String?
    var notes: String?
    var durationSeconds: Int?
    var scheduledAt: Date?
    var occurredAt: Date?
    var metadata: JSONObject?
}

/// `PATCH /crm/communications/:id`: a correction or the outcome of a scheduled one. Only a `scheduled`
/// communication changes status or `scheduledAt`; `subject` and `notes` can always be corrected.
struct UpdateCommunicationRequest: Decodable, Sendable {
    var status: CommunicationStatus?
    var scheduledAt: Date?
    var subject: PatchField<String>
    var notes: PatchField<String>
}

/// A communication as the API shows it.
struct CommunicationResponse: Content {
    var id: UUID
    var customerId: UUID
    var type: CommunicationType
    @NullEncodable var direction: CommunicationDirection?
    var status: CommunicationStatus
    @NullEncodable var subject: String?
    @NullEncodable var notes: String?
    @NullEncodable var durationSeconds: Int?
    @NullEncodable var scheduledAt: Date?
    var occurredAt: Date
    var metadata: JSONObject
    var loggedBy: UUID
    var createdAt: Date
    var updatedAt: Date

    init(_ communication: Communication) {
        id = communication.id!
        customerId = communication.customerID
        type = communication.type
        direction = communication.direction
        status = communication.status
        subject = communication.subject
        notes = communication.notes
        durationSeconds = communication.durationSeconds
        scheduledAt = communication.scheduledAt
        occurredAt = communication.occurredAt
        metadata = communication.metadata
        loggedBy = communication.loggedBy
        createdAt = communication.createdAt
        updatedAt = communication.updatedAt
    }
}

/// Filters of `GET /crm/customers/:id/communications`.
struct CommunicationFilter: Sendable {
    var type: CommunicationType?
    /// Occurred at or after.
    var start: Date?
    /// Occurred before (an inclusive `endDate` already moved to the next day).
    var end: Date?
}

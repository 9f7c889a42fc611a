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

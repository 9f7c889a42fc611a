import OpenAPIKit
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

// MARK: - The API document's schemas

extension CommunicationResponse: Documented {
    static let schemaName = "Communication"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid, "customerId": Schema.uuid,
            "type": CommunicationType.ref,
            "direction": Schema.oneOf(CommunicationDirection.self).orNull,
            "status": CommunicationStatus.ref,
            "subject": Schema.string.orNull, "notes": Schema.string.orNull,
            "durationSeconds": Schema.integer.orNull,
            "scheduledAt": Schema.dateTime.orNull,
            "occurredAt": Schema.dateTime,
            "metadata": Schema.jsonObject,
            "loggedBy": Schema.uuid,
            "createdAt": Schema.dateTime,
            "updatedAt": Schema.dateTime,
        ])
    }
}

extension CreateCommunicationRequest: Documented {
    static let schemaName = "CreateCommunicationRequest"
    static var schema: JSONSchema {
        Schema.request([
            "customerId": Schema.uuid.described("An existing customer (400 otherwise)."),
            "type": CommunicationType.ref,
            "direction": Schema.oneOf(CommunicationDirection.self).orNull,
            "status": Schema.oneOf(CommunicationStatus.self)
                .described("Defaults to `completed`; `scheduled` needs `scheduledAt`.").orNull,
            "subject": Schema.subject.orNull,
            "notes": Schema.notes.orNull,
            "durationSeconds": JSONSchema.integer(
                maximum: (CommunicationService.durationRange.upperBound, exclusive: false),
                minimum: (CommunicationService.durationRange.lowerBound, exclusive: false)).orNull,
            "scheduledAt": Schema.dateTime.described("Required when status is `scheduled`.").orNull,
            "occurredAt": Schema.dateTime.described(
                "Defaults to `scheduledAt` for a scheduled communication, else to now.").orNull,
            "metadata": Schema.jsonIn.orNull,
        ], required: ["customerId", "type"])
    }
}

extension UpdateCommunicationRequest: Documented {
    static let schemaName = "UpdateCommunicationRequest"
    static var schema: JSONSchema {
        Schema.request([
            "status": Schema.oneOf(CommunicationStatus.self).described(
                "Only a `scheduled` communication changes status (409 `communication-closed` otherwise). Any outcome but "
                    + "`cancelled` applies like a newly logged one, at the time it is marked.").orNull,
            "scheduledAt": Schema.dateTime.described(
                "Moves a scheduled communication (and its reminder); only while it stays scheduled.").orNull,
            "subject": Schema.subject.described("Null clears it.").orNull,
            "notes": Schema.notes.described("Null clears it.").orNull,
        ], required: [])
    }
}

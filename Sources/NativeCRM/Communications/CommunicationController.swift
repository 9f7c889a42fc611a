import OpenAPIKit
import Vapor

/// `POST /crm/communications`, `PATCH /crm/communications/:id` and `GET /crm/customers/:id/communications`.
struct CommunicationController {
    var endpoints: [Endpoint] {
        [
            Endpoint(.POST, "/crm/communications", .everyone, "Log a communication", use: log, .init(
                "logCommunication", tag: "Communications",
                "Updates the record's `lastContactDate` (completed, not a note), moves a `new` record to `contacted`, and "
                    + "for a missed call creates a high-priority \"Return missed call\" action and an alert.",
                body: CreateCommunicationRequest.self,
                bodyExamples: Example.named([
                    "phoneCall": ("Recording a phone call (seed)", SeedExamples.commRequest),
                    "scheduled": ("Scheduled call (seed body)", SeedExamples.commRequestFull),
                ]),
                replies: [.created(CommunicationResponse.ref, "The logged communication.",
                                   examples: Example.named(["phoneCall": ("Logged phone call", SeedExamples.communication)]))])),
            Endpoint(.PATCH, "/crm/communications/{id}", .everyone,
                     "Correct a communication, or record what became of a scheduled one", use: update, .init(
                "updateCommunication", tag: "Communications",
                "By the person who logged it, the customer's salesperson (other salespeople get 403), the front desk or a "
                    + "manager. A `scheduled` communication may take place (completed, missed, no_answer, voicemail: "
                    + "`occurredAt` becomes now, and the record's contact date and status follow as for a newly logged one), "
                    + "be cancelled (its reminder stops) or move (`scheduledAt`; the reminder moves). `subject` and `notes` "
                    + "can always be corrected; nothing else changes. Audited.",
                parameters: [Param.path("id", "The communication's id.")], body: UpdateCommunicationRequest.self,
                bodyExamples: Example.named([
                    "done": ("The callback took place", ["status": "completed", "notes": "Booked a consultation"]),
                    "move": ("Call tomorrow instead", ["scheduledAt": "2024-01-21T09:00:00Z"]),
                ]),
                versioned: true,
                replies: [.ok(CommunicationResponse.ref, "The updated communication.")], errors: [404, 409])),
            Endpoint(.GET, "/crm/customers/{id}/communications", .everyone, "A customer's communication history",
                     use: history, .init(
                "listCustomerCommunications", tag: "Communications", "Newest first; keyset-paged.",
                parameters: [
                    Param.path("id", "The customer's id."),
                    Param.queryEnum("type", CommunicationType.self, "Only this channel."),
                    Param.query("startDate", Param.instant,
                                "Occurred at or after: a date `YYYY-MM-DD` (start of that UTC day) or an RFC 3339 timestamp."),
                    Param.query("endDate", Param.instant,
                                "Occurred up to, inclusive: a date `YYYY-MM-DD` (the whole UTC day) or an RFC 3339 timestamp. "
                                    + "Before `startDate`: 400."),
                ] + Param.paging,
                replies: [.ok(CommunicationResponse.ref, "A page of communications (bare array).", list: true)],
                errors: [400, 404])),
        ]
    }

    private func service(_ req: Request) -> CommunicationService {
        CommunicationService(db: req.db, clock: req.clock, events: req.application.activityEvents)
    }

    @Sendable func log(req: Request) async throws -> Response {
        let input = try req.decodeInput(CreateCommunicationRequest.self)
        let communication = try await service(req).log(input, by: try req.caller)
        return try await CommunicationResponse(communication).response(version: communication.version, status: .created, for: req)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let id = try req.parameters.uuid("id")
        let expected = try IfMatch.version(req)
        let input = try req.decodeInput(UpdateCommunicationRequest.self)
        let communication = try await service(req).update(id, input, expected: expected, by: try req.caller)
        return try await CommunicationResponse(communication).response(version: communication.version, for: req)
    }

    @Sendable func history(req: Request) async throws -> Response {
        let customerID = try req.parameters.uuid("id")
        let filter = CommunicationFilter(
            type: try CommunicationType.parse(req.query["type"], field: "type"),
            start: try QueryParameter.instant(req, "startDate", endOfDay: false),
            end: try QueryParameter.instant(req, "endDate", endOfDay: true))
        return try await service(req).history(customerID: customerID, filter, page: try PageRequest(from: req))
            .map(CommunicationResponse.init).response(for: req)
    }
}

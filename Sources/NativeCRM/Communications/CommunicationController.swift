import Vapor

/// `POST /crm/communications`, `PATCH /crm/communications/:id` and `GET /crm/customers/:id/communications`.
struct CommunicationController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("communications", use: log)
        routes.patch("communications", ":id", use: update)
        routes.get("customers", ":id", "communications", use: history)
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

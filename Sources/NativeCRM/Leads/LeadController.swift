import Vapor

/// `POST/GET /crm/leads`, `GET/PATCH /crm/leads/:id`.
struct LeadController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let leads = routes.grouped("leads")
        leads.post(use: create)
        leads.get(use: list)
        leads.get(":id", use: show)
        leads.patch(":id", use: update)
    }

    private func service(_ req: Request) -> LeadService {
        LeadService(db: req.db, clock: req.clock, events: req.application.activityEvents)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let lead = try await service(req).create(try req.decodeInput(CreateLeadRequest.self), by: try req.caller)
        return try await LeadResponse(lead).response(version: lead.version, status: .created, for: req)
    }

    @Sendable func list(req: Request) async throws -> Response {
        let filter = LeadFilter(
            status: try LeadStatus.parse(req.query["status"], field: "status"),
            assignedSalesID: try QueryParameter.uuid(req, "assignedSalesId"),
            source: try LeadSource.parse(req.query["source"], field: "source"),
            search: try QueryParameter.search(req))
        return try await service(req).list(filter, page: try PageRequest(from: req))
            .map(LeadResponse.init).response(for: req)
    }

    @Sendable func show(req: Request) async throws -> Response {
        let lead = try await service(req).find(try req.parameters.uuid("id"))
        return try await LeadResponse(lead).response(version: lead.version, for: req)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let id = try req.parameters.uuid("id")
        let expected = try IfMatch.version(req)
        let input = try req.decodeInput(UpdateLeadRequest.self)
        let lead = try await service(req).update(id, input, expected: expected, by: try req.caller)
        return try await LeadResponse(lead).response(version: lead.version, for: req)
    }
}

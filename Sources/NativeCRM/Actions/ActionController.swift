import Vapor

/// `POST/GET /crm/actions`, `GET /crm/actions/pending`, `GET/PUT /crm/actions/:id`.
struct ActionController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let actions = routes.grouped("actions")
        actions.post(use: create)
        actions.get(use: list)
        actions.get("pending", use: pending)
        actions.get(":id", use: show)
        actions.put(":id", use: update)
    }

    private func service(_ req: Request) -> ActionService { ActionService(db: req.db, clock: req.clock) }

    private func response(_ action: SalesAction, status: HTTPStatus = .ok, _ req: Request) async throws -> Response {
        try await service(req).withCustomer(action).response(now: req.clock.now)
            .response(version: action.version, status: status, for: req)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let input = try req.decodeInput(CreateActionRequest.self)
        let action = try await ActionService(db: req.db, clock: req.clock).create(input, by: try req.caller)
        return try await response(action, status: .created, req)
    }

    @Sendable func list(req: Request) async throws -> Response {
        let filter = ActionFilter(
            status: try ActionStatus.parse(req.query["status"], field: "status"),
            priority: try ActionPriority.parse(req.query["priority"], field: "priority"),
            customerID: try QueryParameter.uuid(req, "customerId"),
            assignedTo: try QueryParameter.uuid(req, "assignedTo"),
            dueBefore: try QueryParameter.timestamp(req, "dueBefore"),
            dueAfter: try QueryParameter.timestamp(req, "dueAfter"))
        let page = try PageRequest(from: req)
        let actions = try await ActionService(db: req.db, clock: req.clock).list(filter, page: page, visibleTo: try req.caller)
        let now = req.clock.now
        return try await service(req).withCustomers(actions).map { $0.response(now: now) }.response(for: req)
    }

    @Sendable func pending(req: Request) async throws -> Response {
        let page = try PageRequest(from: req)
        let actions = try await ActionService(db: req.db, clock: req.clock).pending(for: try req.caller, page: page)
        let now = req.clock.now
        return try await service(req).withCustomers(actions).map { $0.response(now: now) }.response(for: req)
    }

    @Sendable func show(req: Request) async throws -> Response {
        let action = try await ActionService(db: req.db, clock: req.clock)
            .find(try req.parameters.uuid("id"), visibleTo: try req.caller)
        return try await response(action, req)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let id = try req.parameters.uuid("id")
        let expected = try IfMatch.version(req)
        let input = try req.decodeInput(UpdateActionRequest.self)
        let action = try await ActionService(db: req.db, clock: req.clock)
            .update(id, input, expected: expected, by: try req.caller)
        return try await response(action, req)
    }
}

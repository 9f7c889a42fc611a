import OpenAPIKit
import Vapor

/// `POST/GET /crm/actions`, `GET /crm/actions/pending`, `GET/PUT /crm/actions/:id`.
struct ActionController {
    /// The list's filters (`GET /crm/actions` and its CSV export `GET /crm/actions.csv`).
    static let filterParameters = [
        Param.queryEnum("status", ActionStatus.self, "Only this status."),
        Param.queryEnum("priority", ActionPriority.self, "Only this priority."),
        Param.queryUUID("customerId", "Only this customer's actions."),
        Param.queryUUID("assignedTo", "Only actions assigned to this user."),
        Param.query("dueBefore", Schema.dateTime, "Due strictly before this RFC 3339 timestamp."),
        Param.query("dueAfter", Schema.dateTime, "Due at or after this RFC 3339 timestamp."),
    ]

    private static let id = Param.path("id", "The action's id.")

    var endpoints: [Endpoint] {
        [
            Endpoint(.POST, "/crm/actions", .everyone, "Create an action/task", use: create, .init(
                "createAction", tag: "Actions",
                "`assignedTo` defaults to the creator if a SALESPERSON, else the customer's salesperson.",
                body: CreateActionRequest.self,
                bodyExamples: Example.named([
                    "followUp": ("Creating a follow-up task (seed)", SeedExamples.actionRequest),
                    "seedBody": ("Seed body", SeedExamples.actionRequestFull),
                ]),
                versioned: true,
                replies: [.created(ActionResponse.ref, "The created action.",
                                   examples: Example.named(["followUp": ("Created follow-up task", SeedExamples.action)]))])),
            Endpoint(.GET, "/crm/actions", .everyone, "List actions/tasks", use: list, .init(
                "listActions", tag: "Actions",
                "By due date (none last), then priority (urgent first); keyset-paged. A SALESPERSON sees only actions "
                    + "assigned to or created by them.",
                parameters: Self.filterParameters + Param.paging,
                replies: [.ok(ActionResponse.ref, "A page of actions (bare array).", list: true)], errors: [400])),
            Endpoint(.GET, "/crm/actions/pending", .everyone, "The caller's pending actions", use: pending, .init(
                "listPendingActions", tag: "Actions", "Pending actions assigned to the caller, in due order, with time tracking.",
                parameters: Param.paging,
                replies: [.ok(ActionResponse.ref, "A page of pending actions (bare array).", list: true)], errors: [400])),
            Endpoint(.GET, "/crm/actions/{id}", .everyone, "One action", use: show, .init(
                "getAction", tag: "Actions", "Another salesperson's action answers 404.", parameters: [Self.id],
                versioned: true, replies: [.ok(ActionResponse.ref, "The action.")], errors: [400, 404])),
            Endpoint(.PUT, "/crm/actions/{id}", .everyone, "Update an action/task", use: update, .init(
                "updateAction", tag: "Actions",
                "Partial update; `metadata` merges shallowly. Another salesperson's action answers 404.",
                parameters: [Self.id], body: UpdateActionRequest.self,
                bodyExamples: Example.named(["seed": ("Seed example", [
                    "status": "completed",
                    "metadata": ["callOutcome": "appointment_scheduled", "notes": "Customer booked for Feb 1st"],
                ])]),
                versioned: true,
                replies: [.ok(ActionResponse.ref, "The updated action.")], errors: [404])),
        ]
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
        let filter = try ActionFilter(query: req)
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

extension ActionFilter {
    /// The filters of `GET /crm/actions` from the query string, each bad one a 400 naming it.
    init(query req: Request) throws {
        self.init(status: try ActionStatus.parse(req.query["status"], field: "status"),
                  priority: try ActionPriority.parse(req.query["priority"], field: "priority"),
                  customerID: try QueryParameter.uuid(req, "customerId"),
                  assignedTo: try QueryParameter.uuid(req, "assignedTo"),
                  dueBefore: try QueryParameter.timestamp(req, "dueBefore"),
                  dueAfter: try QueryParameter.timestamp(req, "dueAfter"))
    }
}

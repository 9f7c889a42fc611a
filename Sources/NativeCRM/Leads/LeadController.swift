import OpenAPIKit
import Vapor

/// `POST/GET /crm/leads`, `GET/PATCH /crm/leads/:id`.
struct LeadController {
    /// The list's filters (`GET /crm/leads` and its CSV export `GET /crm/leads.csv`).
    static let filterParameters = [
        Param.queryEnum("status", LeadStatus.self, "Only this status."),
        Param.queryUUID("assignedSalesId", "Only leads of this salesperson."),
        Param.queryEnum("source", LeadSource.self, "Only this source."),
        Param.query("search", .string(maxLength: TextLimits.search),
                    "Case-insensitive substring of name, email or phone (phone separators ignored); at most "
                        + "\(TextLimits.search) characters."),
    ]

    private static let id = Param.path("id", "The lead's id.")

    var endpoints: [Endpoint] {
        [
            Endpoint(.POST, "/crm/leads", .everyone, "Create a lead", use: create, .init(
                "createLead", tag: "Leads",
                "A SALESPERSON's lead is theirs; otherwise the named salesperson, or the active salesperson with the fewest "
                    + "open leads, gets it (and is notified).",
                body: CreateLeadRequest.self,
                bodyExamples: Example.named(["seed": ("Seed example", SeedExamples.leadRequest)]), versioned: true,
                replies: [.created(LeadResponse.ref, "The created lead.",
                                   examples: Example.named(["seed": ("Created lead", SeedExamples.lead)]))])),
            Endpoint(.GET, "/crm/leads", .everyone, "List and search leads", use: list, .init(
                "listLeads", tag: "Leads", "Newest first; keyset-paged.",
                parameters: Self.filterParameters + Param.paging,
                replies: [.ok(LeadResponse.ref, "A page of leads (bare array).", list: true)], errors: [400])),
            Endpoint(.GET, "/crm/leads/{id}", .everyone, "One lead", use: show, .init(
                "getLead", tag: "Leads", parameters: [Self.id], versioned: true,
                replies: [.ok(LeadResponse.ref, "The lead.")], errors: [400, 404])),
            Endpoint(.PATCH, "/crm/leads/{id}", .everyone, "Update, assign, convert or lose a lead", use: update, .init(
                "updateLead", tag: "Leads",
                "Partial update. A SALESPERSON may change only leads assigned to them or unassigned and may only claim "
                    + "(403 otherwise). Setting `converted` links or creates the customer; a converted lead cannot change "
                    + "status (409 `lead-converted`).",
                parameters: [Self.id], body: UpdateLeadRequest.self,
                bodyExamples: Example.named(["seed": ("Seed example", [
                    "status": "contacted", "notes": "Customer scheduled consultation", "estimatedValue": 750.0,
                ])]),
                versioned: true,
                replies: [.ok(LeadResponse.ref, "The updated lead.")], errors: [403, 404, 409])),
        ]
    }

    private func service(_ req: Request) -> LeadService {
        LeadService(db: req.db, clock: req.clock, events: req.application.activityEvents)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let lead = try await service(req).create(try req.decodeInput(CreateLeadRequest.self), by: try req.caller)
        return try await LeadResponse(lead).response(version: lead.version, status: .created, for: req)
    }

    @Sendable func list(req: Request) async throws -> Response {
        try await service(req).list(try LeadFilter(query: req), page: try PageRequest(from: req))
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

extension LeadFilter {
    /// The filters of `GET /crm/leads` from the query string, each bad one a 400 naming it.
    init(query req: Request) throws {
        self.init(status: try LeadStatus.parse(req.query["status"], field: "status"),
                  assignedSalesID: try QueryParameter.uuid(req, "assignedSalesId"),
                  source: try LeadSource.parse(req.query["source"], field: "source"),
                  search: try QueryParameter.search(req))
    }
}

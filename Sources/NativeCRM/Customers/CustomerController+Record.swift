import Vapor

extension CustomerController {
    /// `GET /crm/customers/:id/record`.
    @Sendable func record(req: Request) async throws -> Response {
        let (view, version) = try await RecordView(db: req.db, clock: req.clock)
            .view(customerID: try req.parameters.uuid("id"), for: try req.caller)
        return try await view.response(version: version, for: req)
    }

    /// `PUT /crm/customers/:id/record`: derived fields in the body are refused, each named.
    @Sendable func updateRecord(req: Request) async throws -> Response {
        let id = try req.parameters.uuid("id")
        let expected = try IfMatch.version(req)
        let input = try req.decodeInput(UpdateRecordRequest.self)
        let (record, version) = try await RecordService(db: req.db, clock: req.clock)
            .update(customerID: id, input, expected: expected, by: try req.caller)
        return try await record.response(version: version, for: req)
    }

    /// `GET /crm/customers/:id/timeline`: appointments, communications, actions and changes, newest first.
    @Sendable func timeline(req: Request) async throws -> Response {
        try await CustomerTimeline(db: req.db, clock: req.clock)
            .page(customerID: try req.parameters.uuid("id"), try PageRequest(from: req), for: try req.caller)
            .response(for: req)
    }
}

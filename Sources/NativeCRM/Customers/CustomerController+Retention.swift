import Vapor

extension CustomerController {
    /// `GET /crm/customers/repeat[?assignedSalesId=]`.
    @Sendable func repeatCustomers(req: Request) async throws -> Response {
        let salesID = try QueryParameter.uuid(req, "assignedSalesId")
        return try await RetentionService(db: req.db, clock: req.clock)
            .repeatCustomers(assignedTo: salesID, page: try PageRequest(from: req))
            .map { RepeatCustomerResponse($0.0, customer: $0.1) }.response(for: req)
    }

    /// `GET /crm/customers/follow-up?daysThreshold=N[&assignedSalesId=]`: a salesperson gets their own
    /// customers unless they name a salesperson.
    @Sendable func followUp(req: Request) async throws -> Response {
        let days = try QueryParameter.int(req, "daysThreshold", range: RetentionService.thresholdRange)
            ?? RetentionService.defaultThreshold
        let caller = try req.caller
        let salesID = try QueryParameter.uuid(req, "assignedSalesId") ?? (caller.role == .salesperson ? caller.id : nil)
        let now = req.clock.now
        return try await RetentionService(db: req.db, clock: req.clock)
            .followUp(threshold: days, assignedTo: salesID, page: try PageRequest(from: req))
            .map { FollowUpCustomerResponse($0.0, customer: $0.1, now: now) }.response(for: req)
    }
}

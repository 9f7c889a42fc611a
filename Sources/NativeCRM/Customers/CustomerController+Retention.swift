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
        let clinicTime = req.application.clinicTime
        let (rows, now) = try await RetentionService(db: req.db, clock: req.clock, clinicTime: clinicTime)
            .followUp(threshold: days, assignedTo: try QueryParameter.uuid(req, "assignedSalesId"),
                      for: try req.caller, page: try PageRequest(from: req))
        return try await rows.map { FollowUpCustomerResponse($0.0, customer: $0.1, now: now, clinicTime: clinicTime) }.response(for: req)
    }
}

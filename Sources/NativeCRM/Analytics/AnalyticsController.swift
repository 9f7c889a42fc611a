import Vapor

/// `GET /crm/analytics/salesperson?startDate&endDate[&salespersonId]`.
struct AnalyticsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("analytics", "salesperson", use: salesperson)
    }

    /// A salesperson sees only their own numbers (another's → 403); an ADMIN anyone's, or the team's.
    @Sendable func salesperson(req: Request) async throws -> SalespersonAnalyticsResponse {
        var errors = FieldErrors()
        var start: CalendarDate?, end: CalendarDate?, salesID: UUID?
        do { start = try QueryParameter.date(req, "startDate") } catch let error as APIError { errors.add("startDate", error.errors.first?.message ?? "") }
        do { end = try QueryParameter.date(req, "endDate") } catch let error as APIError { errors.add("endDate", error.errors.first?.message ?? "") }
        do { salesID = try QueryParameter.uuid(req, "salespersonId") } catch let error as APIError { errors.add("salespersonId", error.errors.first?.message ?? "") }
        try errors.throwIfAny()
        return try await AnalyticsService(db: req.db, clock: req.clock, clinicTime: req.application.clinicTime)
            .report(for: try req.caller, salespersonID: salesID, startDate: start, endDate: end)
    }
}

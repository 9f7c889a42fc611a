import Vapor

/// `GET /crm/analytics/salesperson?startDate&endDate[&salespersonId]`.
struct AnalyticsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("analytics", "salesperson", use: salesperson)
    }

    /// A salesperson sees only their own numbers (another's → 403); an ADMIN anyone's, or the team's.
    @Sendable func salesperson(req: Request) async throws -> SalespersonAnalyticsResponse {
        let caller = try req.caller
        var salesID = try QueryParameter.uuid(req, "salespersonId")
        if caller.role == .salesperson {
            if let salesID, salesID != caller.id {
                throw APIError(.forbidden, code: "forbidden", detail: "A salesperson sees only their own analytics.")
            }
            salesID = caller.id
        }
        let today = CalendarDate(containing: req.clock.now)
        var errors = FieldErrors()
        var start: CalendarDate?
        var end: CalendarDate?
        do { end = try QueryParameter.date(req, "endDate") } catch let error as APIError { errors.add("endDate", error.errors.first?.message ?? "") }
        do { start = try QueryParameter.date(req, "startDate") } catch let error as APIError { errors.add("startDate", error.errors.first?.message ?? "") }
        try errors.throwIfAny()
        let endDate = end ?? (start.map { max($0, today) } ?? today)
        let startDate = start ?? endDate.adding(days: -(AnalyticsService.defaultDays - 1))
        guard startDate <= endDate else { throw APIError.invalid("startDate", "must not be after endDate") }
        guard endDate.daysSinceEpoch - startDate.daysSinceEpoch < AnalyticsService.maxDays else {
            throw APIError.invalid("endDate", "the range may span at most \(AnalyticsService.maxDays) days")
        }
        if let salesID, caller.role != .salesperson {
            guard let user = try await User.find(salesID, on: req.db), user.role == .salesperson else {
                throw APIError.notFound("Salesperson")
            }
        }
        return try await AnalyticsService(db: req.db, clock: req.clock).salesperson(salesID, from: startDate, to: endDate)
    }
}

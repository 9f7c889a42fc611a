import OpenAPIKit
import Vapor

/// `GET /crm/analytics/salesperson?startDate&endDate[&salespersonId]`.
struct AnalyticsController {
    var endpoints: [Endpoint] {
        [
            Endpoint(.GET, "/crm/analytics/salesperson", .sellers, "Salesperson performance", use: salesperson, .init(
                "getSalespersonAnalytics", tag: "Analytics",
                "Without dates: the 30 days ending today (UTC); `endDate` is inclusive; at most 3660 days. A SALESPERSON "
                    + "always gets their own numbers (naming another is 403). An ADMIN names anyone with `salespersonId` (an "
                    + "unknown id or a non-salesperson is 404) or gets the whole sales team's numbers.",
                parameters: [
                    Param.query("startDate", Schema.date, "First day (YYYY-MM-DD); not after `endDate`."),
                    Param.query("endDate", Schema.date, "Last day, inclusive (YYYY-MM-DD)."),
                    Param.queryUUID("salespersonId", "The salesperson to describe."),
                ],
                replies: [.ok(SalespersonAnalyticsResponse.ref, "The numbers for the period.",
                              examples: Example.named(["seed": ("Seed example, with the extra keys", SeedExamples.analytics)]))],
                errors: [400, 404])),
        ]
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

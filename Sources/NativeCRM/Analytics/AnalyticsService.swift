import Fluent
import SQLKit
import Vapor

/// Salesperson performance (SPEC "Analytics"), computed with a handful of SQL aggregates on indexed
/// columns — never by loading rows. With no salesperson it describes the whole sales team.
struct AnalyticsService: Sendable {
    let db: any Database
    let clock: CRMClock
    /// The clinic's days: a `YYYY-MM-DD` range runs from the clinic's midnight to the clinic's midnight.
    var clinicTime = ClinicTime.utc

    static let defaultDays = 30
    static let maxDays = 3_660

    /// The rules of who sees what and the default period (the last 30 days ending today, UTC).
    func report(for caller: AuthenticatedUser, salespersonID: UUID?, startDate: CalendarDate?, endDate: CalendarDate?)
        async throws -> SalespersonAnalyticsResponse
    {
        var salesID = salespersonID
        if caller.role == .salesperson {
            if let salesID, salesID != caller.id {
                throw APIError(.forbidden, code: "forbidden", detail: "A salesperson sees only their own analytics.")
            }
            salesID = caller.id
        }
        let today = clinicTime.day(containing: clock.now)
        let end = endDate ?? (startDate.map { max($0, today) } ?? today)
        let start = startDate ?? end.adding(days: -(Self.defaultDays - 1))
        guard start <= end else { throw APIError.invalid("startDate", "must not be after endDate") }
        guard end.daysSinceEpoch - start.daysSinceEpoch < Self.maxDays else {
            throw APIError.invalid("endDate", "the range may span at most \(Self.maxDays) days")
        }
        if let salesID, caller.role != .salesperson {
            guard let user = try await User.find(salesID, on: db), user.role == .salesperson, user.kind == .person else {
                throw APIError.notFound("Salesperson")
            }
        }
        return try await salesperson(salesID, from: start, to: end)
    }

    func salesperson(_ salesID: UUID?, from start: CalendarDate, to end: CalendarDate) async throws
        -> SalespersonAnalyticsResponse
    {
        let range = (clinicTime.startOfDay(start), clinicTime.startOfNextDay(end))
        let sql = db.sql
        let team: SQLQueryString = "SELECT id FROM users WHERE role = \(literal: UserRole.salesperson.rawValue) AND \(User.personSQL())"
        /// `column = salesperson`, or `column IN (every salesperson)` for the team.
        func owner(_ column: String) -> SQLQueryString {
            let column = SQLColumn(column)
            if let salesID { return "\(column) = \(bind: salesID)" }
            return "\(column) IN (\(team))"
        }

        let comms = try await sql.raw("""
            SELECT COUNT(*) AS total,
              \(Self.count(Communication.typeSQL(.call))) AS calls,
              \(Self.count(Communication.missedCallCountSQL)) AS missed_calls,
              \(Self.count(Communication.typeSQL(.email))) AS emails, \(Self.count(Communication.typeSQL(.sms))) AS sms,
              \(Self.count(Communication.typeSQL(.whatsapp))) AS whatsapp,
              \(Self.count(Communication.typeSQL(.meeting))) AS meetings, \(Self.count(Communication.typeSQL(.note))) AS notes
            FROM communications
            WHERE \(owner("logged_by")) AND occurred_at >= \(bind: range.0) AND occurred_at < \(bind: range.1)
            """).first()
        let actions = try await sql.raw("""
            SELECT COUNT(*) AS total,
              \(Self.count(Self.status(ActionStatus.pending))) AS pending,
              \(Self.count(Self.status(ActionStatus.completed))) AS completed,
              \(Self.count(Self.status(ActionStatus.missed))) AS missed,
              \(Self.count(Self.status(ActionStatus.cancelled))) AS cancelled,
              \(Self.count(ActionDue.overdueSQL(now: clock.now))) AS overdue
            FROM sales_actions
            WHERE \(owner("assigned_to")) AND created_at >= \(bind: range.0) AND created_at < \(bind: range.1)
            """).first()
        // A repeat customer by its repeat count (RecordStatistics): the index carries the count.
        let customers = try await sql.raw("""
            SELECT COUNT(*) AS total, \(Self.count(RecordStatistics.repeatCustomerSQL)) AS repeat_customers
            FROM customer_records WHERE \(owner("assigned_sales_id"))
            """).first()
        // Appointments carry their customer's current salesperson, so this is one index range.
        let revenue = try await sql.raw("""
            SELECT CAST(COALESCE(SUM(total_amount_cents), 0) AS BIGINT) AS revenue
            FROM appointments
            WHERE \(owner("sales_id")) AND \(Self.status(AppointmentStatus.completed))
              AND start_time >= \(bind: range.0) AND start_time < \(bind: range.1)
            """).first()
        let leadRows = try await sql.raw("""
            SELECT source, COUNT(*) AS total, \(Self.count(Self.status(LeadStatus.converted))) AS converted,
              \(Self.count("first_contact_minutes IS NOT NULL")) AS contacted
            FROM leads
            WHERE \(owner("assigned_sales_id")) AND created_at >= \(bind: range.0) AND created_at < \(bind: range.1)
              AND \(Lead.realSQL)
            GROUP BY source
            """).all()

        var bySource = Dictionary(uniqueKeysWithValues: LeadSource.allCases.map { ($0.rawValue, 0) })
        var leadTotal = 0, converted = 0, contacted = 0
        for row in leadRows {
            let count = try row.decode(column: "total", as: Int.self)
            bySource[try row.decode(column: "source", as: String.self), default: 0] += count
            leadTotal += count
            converted += try row.decode(column: "converted", as: Int.self)
            contacted += try row.decode(column: "contacted", as: Int.self)
        }
        let median = try await medianMinutesToFirstContact(owner("assigned_sales_id"), range: range, count: contacted)

        func int(_ row: (any SQLRow)?, _ column: String) throws -> Int { try row?.decode(column: column, as: Int.self) ?? 0 }
        return SalespersonAnalyticsResponse(
            salespersonId: salesID,
            period: .init(startDate: start, endDate: end),
            communications: .init(
                total: try int(comms, "total"), calls: try int(comms, "calls"), missedCalls: try int(comms, "missed_calls"),
                emails: try int(comms, "emails"), sms: try int(comms, "sms"), whatsapp: try int(comms, "whatsapp"),
                meetings: try int(comms, "meetings"), notes: try int(comms, "notes")),
            actions: .init(
                total: try int(actions, "total"), pending: try int(actions, "pending"),
                completed: try int(actions, "completed"), missed: try int(actions, "missed"),
                cancelled: try int(actions, "cancelled"), overdue: try int(actions, "overdue")),
            customers: .init(
                total: try int(customers, "total"), repeat: try int(customers, "repeat_customers"),
                totalRevenue: Money(cents: try revenue?.decode(column: "revenue", as: Int64.self) ?? 0)),
            leads: .init(
                total: leadTotal, converted: converted,
                conversionRate: leadTotal == 0 ? 0 : (Double(converted) / Double(leadTotal) * 10_000).rounded() / 10_000,
                bySource: bySource, medianMinutesToFirstContact: median))
    }

    /// The median of the stored minutes-to-first-contact: the middle one or two values, read with
    /// ORDER BY … LIMIT/OFFSET (portable; SQLite has no percentile function).
    private func medianMinutesToFirstContact(_ owner: SQLQueryString, range: (Date, Date), count: Int) async throws
        -> Double?
    {
        guard count > 0 else { return nil }
        let rows = try await db.sql.raw("""
            SELECT first_contact_minutes AS minutes FROM leads
            WHERE \(owner) AND created_at >= \(bind: range.0) AND created_at < \(bind: range.1)
              AND first_contact_minutes IS NOT NULL AND \(Lead.realSQL)
            ORDER BY first_contact_minutes ASC
            LIMIT \(unsafeRaw: String(count % 2 == 0 ? 2 : 1)) OFFSET \(unsafeRaw: String((count - 1) / 2))
            """).all()
        let values = try rows.map { try $0.decode(column: "minutes", as: Double.self) }
        guard !values.isEmpty else { return nil }
        return (values.reduce(0, +) / Double(values.count) * 100).rounded() / 100
    }

    /// `CAST(COALESCE(SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0) AS BIGINT)` — a portable count.
    /// `status = '<value>'`.
    private static func status(_ value: some APIEnum) -> SQLQueryString { "status = \(literal: value.rawValue)" }

    private static func count(_ condition: SQLQueryString) -> SQLQueryString {
        "CAST(COALESCE(SUM(CASE WHEN \(condition) THEN 1 ELSE 0 END), 0) AS BIGINT)"
    }
}

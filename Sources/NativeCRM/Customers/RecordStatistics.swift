import Fluent
import Foundation
import SQLKit

/// The derived numbers of a customer record (SPEC "Record fields are derived"). This is the one place
/// that computes them: the stored copy, `crm recompute-records` and the record endpoint all use it.
struct RecordStatistics: Equatable, Sendable {
    var totalAppointments: Int
    var completedAppointments: Int
    var cancelledAppointments: Int
    var lifetimeValue: Money
    var firstAppointmentDate: Date?
    var lastAppointmentDate: Date?
    var lastContactDate: Date?
    var averageDaysBetweenVisits: Double?
    var isRepeatCustomer: Bool
    var repeatCount: Int
    var expectedNextVisit: CalendarDate?

    static let empty = RecordStatistics(
        totalAppointments: 0, completedAppointments: 0, cancelledAppointments: 0, lifetimeValue: .zero,
        firstAppointmentDate: nil, lastAppointmentDate: nil, lastContactDate: nil, averageDaysBetweenVisits: nil,
        isRepeatCustomer: false, repeatCount: 0, expectedNextVisit: nil)

    /// The formulas, from the aggregates of one customer's history.
    /// - `averageDaysBetweenVisits`: mean gap between consecutive completed visits = (last − first) / (n − 1),
    ///   in days between their UTC dates, rounded to two decimals; nil under two visits.
    /// - `expectedNextVisit`: last visit + the average gap (rounded to whole days), or with one visit
    ///   + the service's `typicalIntervalDays` (nil when the service has none).
    static func from(
        total: Int, completed: Int, cancelled: Int, lifetimeValueCents: Int64,
        firstVisit: Date?, lastVisit: Date?, lastVisitIntervalDays: Int?, lastContact: Date?
    ) -> RecordStatistics {
        var average: Double?
        var expected: CalendarDate?
        if let firstVisit, let lastVisit {
            let lastDay = CalendarDate(containing: lastVisit)
            if completed >= 2 {
                let span = lastDay.daysSinceEpoch - CalendarDate(containing: firstVisit).daysSinceEpoch
                let mean = (Double(span) / Double(completed - 1) * 100).rounded() / 100
                average = mean
                expected = lastDay.adding(days: Int(mean.rounded()))
            } else if let interval = lastVisitIntervalDays {
                expected = lastDay.adding(days: interval)
            }
        }
        return RecordStatistics(
            totalAppointments: total, completedAppointments: completed, cancelledAppointments: cancelled,
            lifetimeValue: Money(cents: lifetimeValueCents), firstAppointmentDate: firstVisit,
            lastAppointmentDate: lastVisit, lastContactDate: lastContact, averageDaysBetweenVisits: average,
            isRepeatCustomer: isRepeat(repeatCount: repeatCount(completed: completed)),
            repeatCount: repeatCount(completed: completed), expectedNextVisit: expected)
    }

    /// Visits after the first (SPEC: completed − 1, at least 0).
    static func repeatCount(completed: Int) -> Int { max(completed - 1, 0) }

    /// A repeat customer came back at least once (SPEC: completed ≥ 2): the one definition, also in
    /// SQL on `customer_records` (`repeatCustomerSQL`) and in the repeat list's filter.
    static let minimumRepeatCount = 1

    static func isRepeat(repeatCount: Int) -> Bool { repeatCount >= minimumRepeatCount }

    static let repeatCustomerSQL: SQLQueryString = "repeat_count >= \(literal: minimumRepeatCount)"

    /// Computes a customer's statistics afresh: three indexed aggregates in one statement (it runs in
    /// every appointment and communication write, inside SQLite's single write lane).
    static func compute(customerID: UUID, on db: any Database) async throws -> RecordStatistics {
        let sql = db.sql
        let completed: SQLQueryString = "\(literal: AppointmentStatus.completed.rawValue)"
        let cancelled: SQLQueryString = "\(literal: AppointmentStatus.cancelled.rawValue)"
        let counts = try await sql.raw("""
            SELECT c.total, c.completed, c.cancelled, c.lifetime, c.first_visit, c.last_visit,
                   (SELECT s.typical_interval_days
                    FROM appointments a JOIN services s ON s.id = a.service_id
                    WHERE a.customer_id = \(bind: customerID) AND a.status = \(completed)
                    ORDER BY a.start_time DESC, a.id DESC LIMIT 1) AS interval_days,
                   (SELECT MAX(occurred_at) FROM communications
                    WHERE customer_id = \(bind: customerID) AND \(Communication.contactSQL)) AS last_contact
            FROM (SELECT COUNT(*) AS total,
                         CAST(COALESCE(SUM(CASE WHEN status = \(completed) THEN 1 ELSE 0 END), 0) AS BIGINT) AS completed,
                         CAST(COALESCE(SUM(CASE WHEN status = \(cancelled) THEN 1 ELSE 0 END), 0) AS BIGINT) AS cancelled,
                         CAST(COALESCE(SUM(CASE WHEN status = \(completed) THEN total_amount_cents ELSE 0 END), 0) AS BIGINT) AS lifetime,
                         MIN(CASE WHEN status = \(completed) THEN start_time END) AS first_visit,
                         MAX(CASE WHEN status = \(completed) THEN start_time END) AS last_visit
                  FROM appointments WHERE customer_id = \(bind: customerID)) c
            """).first()
        return from(
            total: try counts?.decode(column: "total", as: Int.self) ?? 0,
            completed: try counts?.decode(column: "completed", as: Int.self) ?? 0,
            cancelled: try counts?.decode(column: "cancelled", as: Int.self) ?? 0,
            lifetimeValueCents: try counts?.decode(column: "lifetime", as: Int64.self) ?? 0,
            firstVisit: try counts?.decode(column: "first_visit", as: Date?.self),
            lastVisit: try counts?.decode(column: "last_visit", as: Date?.self),
            lastVisitIntervalDays: try counts?.decode(column: "interval_days", as: Int?.self),
            lastContact: try counts?.decode(column: "last_contact", as: Date?.self))
    }
}

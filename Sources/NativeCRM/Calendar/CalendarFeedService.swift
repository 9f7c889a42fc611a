import Crypto
import Fluent
import SQLKit
import Vapor

/// Each person's private iCalendar feed: a URL with a random token (only its SHA-256 is stored) that
/// Google or Apple Calendar subscribes to. It holds the user's pending actions with due dates (VTODO)
/// and, for the customer's salesperson and the front desk, the upcoming appointments (VEVENT): the
/// customer's name and the clinic, never treatment, notes or amounts. A new feed replaces the old URL;
/// revoking or deactivating the user ends it.
struct CalendarFeedService: Sendable {
    let db: any Database
    let clock: CRMClock

    /// What the feed reaches: appointments from a day ago to `appointmentsAhead`, actions due from
    /// `actionsBehind` ago (overdue ones stay visible), at most `maxItems` of each, soonest first.
    static let appointmentsBehind: TimeInterval = 86_400
    static let appointmentsAhead: TimeInterval = 180 * 86_400
    static let actionsBehind: TimeInterval = 30 * 86_400
    static let maxItems = 500
    /// An appointment without an end is shown this long.
    static let defaultAppointmentLength: TimeInterval = 60 * 60
    /// The token's length in the URL (32 random bytes in base64url).
    static let tokenLength = 43

    struct Created: Content {
        var url: String
        var createdAt: Date
    }

    /// A new feed URL for `userID` under `baseURL`; an earlier one stops working.
    func create(for userID: UUID, baseURL: String) async throws -> Created {
        let token = SecretToken.random()
        let now = clock.now
        try await db.transaction { db in
            try await db.sql.raw("DELETE FROM calendar_feeds WHERE user_id = \(bind: userID)").run()
            try await db.sql.raw("""
                INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (\(bind: userID), \(bind: Self.hash(token)), \(bind: now))
                """).run()
        }
        return Created(url: baseURL + "/calendar/" + token + ".ics", createdAt: now)
    }

    func revoke(for userID: UUID) async throws {
        try await db.sql.raw("DELETE FROM calendar_feeds WHERE user_id = \(bind: userID)").run()
    }

    /// The feed a token stands for, as iCalendar text; nil for an unknown token or an inactive user.
    func render(token presented: String) async throws -> String? {
        let token = presented.hasSuffix(".ics") ? String(presented.dropLast(4)) : presented
        guard token.count == Self.tokenLength else { return nil }
        guard let owner = try await db.sql.raw("""
            SELECT u.id AS id, u.role AS role FROM calendar_feeds f JOIN users u ON u.id = f.user_id
            WHERE f.token_hash = \(bind: Self.hash(token)) AND u.active = \(bind: true) AND \(User.personSQL("u"))
            """).first(),
            let role = UserRole(rawValue: try owner.decode(column: "role", as: String.self))
        else { return nil }
        let userID = try owner.decode(column: "id", as: UUID.self)
        let now = clock.now

        var ics = ICalendarWriter()
        ics.line("BEGIN", "VCALENDAR")
        ics.line("VERSION", "2.0")
        ics.line("PRODID", "-//Native CRM//Calendar feed//EN")
        ics.line("CALSCALE", "GREGORIAN")
        ics.line("METHOD", "PUBLISH")
        ics.text("X-WR-CALNAME", "Native CRM")
        ics.line("X-PUBLISHED-TTL", "PT15M")

        let ownAppointments: SQLQueryString = role == .salesperson ? "AND a.sales_id = \(bind: userID)" : ""
        let appointments = try await db.sql.raw("""
            SELECT a.id AS id, a.start_time AS start_time, a.end_time AS end_time, a.status AS status,
                   a.updated_at AS updated_at, c.first_name AS first_name, c.last_name AS last_name, k.name AS clinic
            FROM appointments a JOIN customers c ON c.id = a.customer_id JOIN clinics k ON k.id = a.clinic_id
            WHERE \(AppointmentStatus.upcomingSQL("a.status")) \(ownAppointments)
              AND a.start_time >= \(bind: now.addingTimeInterval(-Self.appointmentsBehind))
              AND a.start_time < \(bind: now.addingTimeInterval(Self.appointmentsAhead))
            ORDER BY a.start_time, a.id LIMIT \(unsafeRaw: String(Self.maxItems))
            """).all()
        for row in appointments {
            let start = try row.decode(column: "start_time", as: Date.self)
            let end = try row.decode(column: "end_time", as: Date?.self) ?? start.addingTimeInterval(Self.defaultAppointmentLength)
            ics.line("BEGIN", "VEVENT")
            ics.line("UID", "appointment-\(try row.decode(column: "id", as: UUID.self).uuidString.lowercased())@native-crm")
            ics.time("DTSTAMP", try row.decode(column: "updated_at", as: Date.self))
            ics.time("DTSTART", start)
            ics.time("DTEND", max(end, start))
            ics.text("SUMMARY", "Appointment: " + (try Self.name(row)))
            ics.text("LOCATION", try row.decode(column: "clinic", as: String.self))
            let status = try row.decode(column: "status", as: String.self)
            ics.line("STATUS", status == AppointmentStatus.confirmed.rawValue ? "CONFIRMED" : "TENTATIVE")
            ics.line("END", "VEVENT")
        }

        let actions = try await db.sql.raw("""
            SELECT s.id AS id, s.action_type AS action_type, s.priority AS priority, s.due_date AS due_date,
                   s.updated_at AS updated_at, c.first_name AS first_name, c.last_name AS last_name
            FROM sales_actions s LEFT JOIN customers c ON c.id = s.customer_id
            WHERE s.assigned_to = \(bind: userID) AND s.status = \(literal: ActionStatus.pending.rawValue)
              AND s.due_date IS NOT NULL AND s.due_date >= \(bind: now.addingTimeInterval(-Self.actionsBehind))
            ORDER BY s.due_date, s.id LIMIT \(unsafeRaw: String(Self.maxItems))
            """).all()
        for row in actions {
            let type = ActionType(rawValue: try row.decode(column: "action_type", as: String.self))
            let label = type.map(Self.label) ?? "Task"
            let customer = try row.decode(column: "first_name", as: String?.self) == nil ? nil : try Self.name(row)
            ics.line("BEGIN", "VTODO")
            ics.line("UID", "action-\(try row.decode(column: "id", as: UUID.self).uuidString.lowercased())@native-crm")
            ics.time("DTSTAMP", try row.decode(column: "updated_at", as: Date.self))
            ics.time("DUE", try row.decode(column: "due_date", as: Date.self))
            ics.text("SUMMARY", customer.map { "\(label): \($0)" } ?? label)
            let priority = ActionPriority(rawValue: try row.decode(column: "priority", as: String.self))
            ics.line("PRIORITY", String(priority.map(Self.priority) ?? 0))
            ics.line("STATUS", "NEEDS-ACTION")
            ics.line("END", "VTODO")
        }
        ics.line("END", "VCALENDAR")
        return ics.text
    }

    private static func name(_ row: any SQLRow) throws -> String {
        [try row.decode(column: "first_name", as: String.self), try row.decode(column: "last_name", as: String.self)]
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// `follow_up` → `Follow up`.
    static func label(_ type: ActionType) -> String {
        let words = type.rawValue.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// RFC 5545 PRIORITY: 1 is highest, 9 lowest.
    static func priority(_ priority: ActionPriority) -> Int {
        switch priority {
        case .urgent: 1
        case .high: 3
        case .medium: 5
        case .low: 9
        }
    }

    static func hash(_ token: String) -> String { SecretToken.hash(token) }
}

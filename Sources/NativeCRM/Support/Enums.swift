import SQLKit

/// `<column> IN ('a', 'b', …)` of constant values (string literals, not binds: the planner sees them).
func inSQL(_ column: String, _ values: [String]) -> SQLQueryString {
    var sql: SQLQueryString = "\(unsafeRaw: column) IN ("
    for (index, value) in values.enumerated() {
        if index > 0 { sql.appendLiteral(", ") }
        sql.appendInterpolation(literal: value)
    }
    sql.appendLiteral(")")
    return sql
}

/// `customerStatus` of a customer record (seed).
public enum CustomerStatus: String, APIEnum {
    case new, contacted, qualified, active, inactive, vip
}

/// Appointment lifecycle (SPEC).
public enum AppointmentStatus: String, APIEnum {
    case scheduled, confirmed, completed, cancelled
    case noShow = "no_show"

    /// Still ahead: counts for `nextAppointmentDate`, the confirmation action, the upcoming
    /// notification and the overlap check.
    static let upcoming: [AppointmentStatus] = [.scheduled, .confirmed]

    var isUpcoming: Bool { Self.upcoming.contains(self) }
}

/// Communication channel (seed).
public enum CommunicationType: String, APIEnum {
    case call, email, sms, whatsapp, meeting, note
}

/// Communication direction (seed).
public enum CommunicationDirection: String, APIEnum {
    case outgoing, incoming, missed
}

/// Communication outcome (seed).
public enum CommunicationStatus: String, APIEnum {
    case completed, missed
    case noAnswer = "no_answer"
    case voicemail, scheduled, cancelled
}

/// Kind of action/task (seed).
public enum ActionType: String, APIEnum {
    case phoneCall = "phone_call"
    case followUp = "follow_up"
    case appointmentScheduled = "appointment_scheduled"
    case emailSent = "email_sent"
    case meeting, update, other
}

/// Action/task status (seed).
public enum ActionStatus: String, APIEnum {
    case pending, completed, cancelled, missed
}

/// Action/task priority (seed); `rank` orders lists urgent first.
public enum ActionPriority: String, APIEnum {
    case low, medium, high, urgent

    var rank: Int {
        switch self {
        case .urgent: return 0
        case .high: return 1
        case .medium: return 2
        case .low: return 3
        }
    }
}

/// Where a lead came from (seed).
public enum LeadSource: String, APIEnum {
    case facebookAds = "facebook_ads"
    case googleAds = "google_ads"
    case referral
    case walkIn = "walk_in"
    case website
}

/// Lead pipeline status (seed).
public enum LeadStatus: String, APIEnum {
    case new, contacted, qualified, converted, lost

    /// Still being worked: counts toward a salesperson's load for automatic assignment, and the
    /// statuses a new lead may start in.
    static let open: [LeadStatus] = [.new, .contacted, .qualified]

    /// `<column> IN ('new', 'contacted', 'qualified')`, from `open`.
    static func openSQL(_ column: String) -> SQLQueryString {
        inSQL(column, open.map(\.rawValue))
    }
}

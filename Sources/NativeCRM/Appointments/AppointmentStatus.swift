import SQLKit

/// Appointment lifecycle (SPEC).
public enum AppointmentStatus: String, APIEnum, Documented {
    case scheduled, confirmed, completed, cancelled
    case noShow = "no_show"

    /// Still ahead: counts for `nextAppointmentDate`, the confirmation action, the upcoming
    /// notification and the overlap check.
    static let upcoming: [AppointmentStatus] = [.scheduled, .confirmed]

    var isUpcoming: Bool { Self.upcoming.contains(self) }

    /// `<column> IN ('scheduled', 'confirmed')`, from `upcoming`.
    static func upcomingSQL(_ column: String) -> SQLQueryString { inSQL(column, upcoming.map(\.rawValue)) }
}

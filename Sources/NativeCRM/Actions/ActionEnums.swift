/// Kind of action/task (seed).
public enum ActionType: String, APIEnum, Documented {
    case phoneCall = "phone_call"
    case followUp = "follow_up"
    case appointmentScheduled = "appointment_scheduled"
    case emailSent = "email_sent"
    case meeting, update, other
}

/// Action/task status (seed).
public enum ActionStatus: String, APIEnum, Documented {
    case pending, completed, cancelled, missed
}

/// Action/task priority (seed); `rank` orders lists urgent first.
public enum ActionPriority: String, APIEnum, Documented {
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

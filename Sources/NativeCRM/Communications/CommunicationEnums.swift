/// Communication channel (seed).
public enum CommunicationType: String, APIEnum, Documented {
    case call, email, sms, whatsapp, meeting, note
}

/// Communication direction (seed).
public enum CommunicationDirection: String, APIEnum, Documented {
    case outgoing, incoming, missed
}

/// Communication outcome (seed).
public enum CommunicationStatus: String, APIEnum, Documented {
    case completed, missed
    case noAnswer = "no_answer"
    case voicemail, scheduled, cancelled
}

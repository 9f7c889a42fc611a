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

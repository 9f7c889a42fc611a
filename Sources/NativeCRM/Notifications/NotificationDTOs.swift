import OpenAPIKit
import Vapor

/// A notification as the API (and the live stream) shows it.
struct NotificationResponse: Content {
    var id: UUID
    var type: NotificationType
    var title: String
    var body: String
    @NullEncodable var entityType: String?
    @NullEncodable var entityId: UUID?
    var createdAt: Date
    /// Null while unread.
    @NullEncodable var readAt: Date?

    init(_ notification: InboxNotification) {
        id = notification.id!
        type = notification.type
        title = notification.title
        body = notification.body
        entityType = notification.entityType
        entityId = notification.entityID
        createdAt = notification.createdAt
        readAt = notification.readAt
    }
}

/// `POST /crm/notifications/read-all`.
struct ReadAllResponse: Content {
    var updated: Int
}

// MARK: - The API document's schemas

extension NotificationResponse: Documented {
    static let schemaName = "Notification"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid,
            "type": NotificationType.ref,
            "title": Schema.string,
            "body": Schema.string,
            "entityType": Schema.string.orNull,
            "entityId": Schema.uuid.orNull,
            "createdAt": Schema.dateTime,
            "readAt": Schema.dateTime.described("Null while unread.").orNull,
        ])
    }
}

extension ReadAllResponse: Documented {
    static let schemaName = "ReadAllResponse"
    static var schema: JSONSchema {
        Schema.response(["updated": Schema.count.described("How many notifications were marked read.")])
    }
}

extension StreamTickets.Issued: Documented {
    static let schemaName = "StreamTicket"
    static var schema: JSONSchema {
        Schema.response([
            "ticket": Schema.string.described("Pass as `?ticket=` within 60 s; it works once."),
            "expiresAt": Schema.dateTime,
        ])
    }
}

/// One Server-Sent Event of `GET /crm/notifications/stream`, as the document describes it.
enum NotificationEvent: Documented {
    static let schemaName = "NotificationEvent"
    static var schema: JSONSchema {
        Schema.object([
            "event": Schema.oneOf(["notification", "error"]).described(
                "`error` is the last event of a stream whose session ended: `data` is `{reason, detail}`, reason one of "
                    + "`token-expired`, `logged-out`, `session-ended`, `user-inactive`, `too-many-streams`."),
            "id": Schema.string.described("A cursor (time and id of the notification); send it back as `Last-Event-ID` to resume."),
            "data": JSONSchema.string(description: "The Notification as JSON.", contentMediaType: .json),
            "retry": Schema.integer.described("Reconnection delay in milliseconds (2000, sent once at the start)."),
        ], required: ["event", "id", "data"],
        description: "One Server-Sent Event of the notification stream (the schema describes each event). The stream opens "
            + "with `retry: 2000` and a `: connected` comment and sends a `: ping` comment when idle.")
    }
}

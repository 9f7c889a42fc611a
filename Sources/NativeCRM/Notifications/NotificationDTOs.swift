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

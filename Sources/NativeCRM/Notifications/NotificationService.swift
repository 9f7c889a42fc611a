import Fluent
import SQLKit
import Vapor

/// The inbox: delivers notifications exactly once (the database's unique delivery key decides) and
/// lets each user read only their own.
struct NotificationService: Sendable {
    let db: any Database
    let clock: CRMClock

    /// Stores the notification unless one with the same delivery key exists; true when stored.
    @discardableResult
    func deliver(_ draft: NotificationDraft) async throws -> Bool {
        let rows = try await db.sql.raw("""
            INSERT INTO notifications (id, user_id, type, title, body, entity_type, entity_id, delivery_key, created_at)
            VALUES (\(bind: UUID()), \(bind: draft.userID), \(bind: draft.type.rawValue), \(bind: draft.title),
                    \(bind: draft.body), \(bind: draft.entityType), \(bind: draft.entityID), \(bind: draft.deliveryKey),
                    \(bind: clock.now))
            ON CONFLICT (delivery_key) DO NOTHING
            RETURNING id
            """).all()
        if !rows.isEmpty { CRMMetrics.notificationsDelivered.increment() }  // stored (its transaction may still roll back)
        return !rows.isEmpty
    }

    /// The caller's notifications, newest first; only unread ones when asked.
    func inbox(of userID: UUID, unreadOnly: Bool, page: PageRequest) async throws -> Page<InboxNotification> {
        let query = InboxNotification.query(on: db).filter(\.$userID == userID)
        if unreadOnly { query.filter(\.$readAt == nil) }
        return try await query.page(newestFirstBy: \.$createdAt, page) { $0.createdAt }
    }

    /// Marks one of the caller's notifications read (another user's is 404, as if it did not exist).
    func markRead(_ id: UUID, by userID: UUID) async throws -> InboxNotification {
        guard let notification = try await InboxNotification.query(on: db)
            .filter(\.$id == id).filter(\.$userID == userID).first() else {
            throw APIError.notFound("Notification")
        }
        if notification.readAt == nil {
            notification.readAt = clock.now
            try await notification.save(on: db)
        }
        return notification
    }

    /// Marks every unread notification of the caller read; returns how many.
    /// One statement, so the count is exactly the notifications it marked.
    func markAllRead(by userID: UUID) async throws -> Int {
        try await db.sql.raw("""
            UPDATE notifications SET read_at = \(bind: clock.now)
            WHERE user_id = \(bind: userID) AND read_at IS NULL
            RETURNING id
            """).all().count
    }

    /// The caller's notifications created at or after `since`, oldest first (for the live stream).
    func created(for userID: UUID, since: Date, limit: Int) async throws -> [InboxNotification] {
        try await InboxNotification.query(on: db)
            .filter(\.$userID == userID).filter(\.$createdAt >= since)
            .sort(\.$createdAt, .ascending).sort(\.$id, .ascending)
            .limit(limit).all()
    }
}

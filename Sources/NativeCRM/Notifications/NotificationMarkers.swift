import Fluent
import Foundation
import SQLKit

/// What the scheduler already announced: one row per kind, entity and occurrence (the start, the
/// scheduled time or the due date it announced), so its candidate queries skip what was sent and a
/// moved appointment or task is announced again. The notifications' unique delivery key is what
/// guarantees exactly-once; the markers keep the candidate queries small.
struct NotificationMarkers: Sendable {
    let db: any Database

    /// Markers are consulted only up to a week after their occurrence (overdue tasks); older ones go.
    static let kept: TimeInterval = 8 * 86_400

    /// `NOT EXISTS` a marker of `kind` for the row whose id is `entity` at the occurrence `occurrence`
    /// (both column references of the candidate query); served by the table's unique index.
    static func unannounced(_ kind: NotificationType, entity: SQLColumn, occurrence: SQLColumn) -> SQLQueryString {
        """
        NOT EXISTS (SELECT 1 FROM notification_markers m WHERE m.kind = \(literal: kind.rawValue) \
        AND m.entity_id = \(entity) AND m.occurrence = \(occurrence))
        """
    }

    func mark(_ kind: NotificationType, entityID: UUID, occurrence: Date) async throws {
        try await db.sql.raw("""
            INSERT INTO notification_markers (kind, entity_id, occurrence)
            VALUES (\(literal: kind.rawValue), \(bind: entityID), \(bind: occurrence))
            ON CONFLICT DO NOTHING
            """).run()
    }

    static func purgeExpired(on db: any Database, now: Date) async throws {
        try await db.sql.raw("DELETE FROM notification_markers WHERE occurrence < \(bind: now.addingTimeInterval(-kept))").run()
    }
}

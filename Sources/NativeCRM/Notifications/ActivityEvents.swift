import Fluent
import Vapor

/// Events that other domains raise for the notification inbox. Each is called inside the transaction
/// of the change that causes it, so a notification is stored exactly when the change is.
/// The app uses `InboxEvents`; tests may install a recorder.
protocol ActivityEvents: Sendable {
    /// A missed call was logged; `recipient` is the customer's salesperson (or the logger).
    func missedCall(_ communication: Communication, recipient: UUID, on db: any Database) async throws

    /// A lead was assigned (on creation, automatically, by claim or by reassignment) to `assignee`.
    func leadAssigned(_ lead: Lead, assignee: UUID, on db: any Database) async throws
}

/// Raises nothing: for services used only to read.
struct NoActivityEvents: ActivityEvents {
    func missedCall(_ communication: Communication, recipient: UUID, on db: any Database) async throws {}
    func leadAssigned(_ lead: Lead, assignee: UUID, on db: any Database) async throws {}
}

extension Application {
    private struct ActivityEventsKey: StorageKey { typealias Value = any ActivityEvents }

    var activityEvents: any ActivityEvents {
        get { storage[ActivityEventsKey.self] ?? InboxEvents(clock: clock) }
        set { storage[ActivityEventsKey.self] = newValue }
    }
}

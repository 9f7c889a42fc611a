import Fluent
import Vapor

/// Turns domain events into inbox notifications, inside the transaction of the change.
struct InboxEvents: ActivityEvents {
    let clock: CRMClock

    func missedCall(_ communication: Communication, recipient: UUID, on db: any Database) async throws {
        let customer = try await Customer.find(communication.customerID, on: db)
        let name = customer.map { "\($0.firstName) \($0.lastName)" } ?? "A customer"
        try await NotificationService(db: db, clock: clock).deliver(NotificationDraft(
            userID: recipient, type: .missedCall, title: "Missed call",
            body: "\(name) called and could not be reached. Call them back.",
            entityType: "customer", entityID: communication.customerID,
            deliveryKey: "missed_call:\(communication.id!.uuidString)"))
    }

    func leadAssigned(_ lead: Lead, assignee: UUID, on db: any Database) async throws {
        let name = [lead.firstName, lead.lastName ?? ""].joined(separator: " ").trimmingCharacters(in: .whitespaces)
        try await NotificationService(db: db, clock: clock).deliver(NotificationDraft(
            userID: assignee, type: .leadAssigned, title: "New lead assigned",
            body: "\(name) (\(lead.source.rawValue)) is now your lead.",
            entityType: "lead", entityID: lead.id!,
            deliveryKey: "lead_assigned:\(lead.id!.uuidString):\(assignee.uuidString):\(Timestamp.milliseconds(clock.now))"))
    }
}

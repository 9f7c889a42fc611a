import Fluent
import SQLKit
import Vapor

/// Every lead save goes through here: it saves the lead with its assignee and, in the caller's
/// transaction, writes `lead.created` for a new lead and, when the assignee changes, `lead.assigned`
/// to the webhook outbox and raises `leadAssigned` (the notification hook).
struct LeadAssigner: Sendable {
    let db: any Database
    let clock: CRMClock
    let events: any ActivityEvents

    /// Saves `lead` (new or existing) assigned to `salesID`; nil leaves it unassigned.
    func save(_ lead: Lead, assignedTo salesID: UUID?) async throws {
        let isNew = !lead.$id.exists
        let changed = lead.assignedSalesID != salesID
        lead.assignedSalesID = salesID
        try await lead.save(on: db)
        let outbox = WebhookOutbox(db: db, clock: clock)
        if isNew { try await outbox.record(.leadCreated, entity: "lead", id: lead.id!) { LeadResponse(lead) } }
        if changed, let salesID {
            try await outbox.record(.leadAssigned, entity: "lead", id: lead.id!) { LeadResponse(lead) }
            try await events.leadAssigned(lead, assignee: salesID, on: db)
        }
    }

    /// The active salesperson with the fewest open leads; ties go to the longest-serving, then the
    /// lowest id. Call inside a transaction after `serialize()` so concurrent creations see each other.
    func leastLoadedSalesperson() async throws -> UUID? {
        let row = try await db.sql.raw("""
            SELECT u.id AS id, COUNT(l.id) AS open_leads
            FROM users u
            LEFT JOIN leads l ON l.assigned_sales_id = u.id AND \(LeadStatus.openSQL("l.status"))
            WHERE u.role = \(bind: UserRole.salesperson.rawValue) AND u.active = \(bind: true) AND \(User.personSQL("u"))
            GROUP BY u.id, u.created_at
            ORDER BY COUNT(l.id) ASC, u.created_at ASC, u.id ASC
            LIMIT 1
            """).first()
        return try row?.decode(column: "id", as: UUID.self)
    }

    /// Takes the assignment lock for the rest of the transaction (a row lock on PostgreSQL, the write
    /// lock on SQLite), so two concurrent automatic assignments run one after the other.
    func serialize() async throws {
        try await db.sql.raw("UPDATE assignment_locks SET version = version + 1 WHERE id = 1").run()
    }
}

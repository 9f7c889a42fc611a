import Fluent
import SQLKit
import Vapor

/// Who is changing data: the signed-in user and the request, or nobody for the system's own work.
struct Actor: Sendable {
    var userID: UUID?
    var requestID: String?

    static let system = Actor(userID: nil, requestID: nil)
}

/// Writes audit entries in the transaction of the change they describe.
struct AuditLog: Sendable {
    let db: any Database
    let clock: CRMClock
    let actor: Actor

    func created(_ entity: some Auditable) async throws {
        try await write(entity, .create, changes: entity.auditFields.mapValues { (JSONValue.null, $0) })
    }

    /// One `create` entry per entity, in one multi-row statement (a CSV import's batch).
    func created<Entity: Auditable>(_ entities: [Entity]) async throws {
        let entries = entities.map { entry(for: $0, .create, changes: $0.auditFields.mapValues { (JSONValue.null, $0) }) }
        guard !entries.isEmpty else { return }
        try await entries.create(on: db)
    }

    /// The one entry a CSV import leaves (entity type `import`, its id the import's): what was imported
    /// and how many rows were created, updated, duplicates or errors. Each created or updated record
    /// has its own entries besides.
    func imported(_ importID: UUID, kind: String, counts: [String: Int]) async throws {
        var changes: [String: (JSONValue, JSONValue)] = ["kind": (.null, .string(kind))]
        for (name, count) in counts { changes[name] = (.null, .integer(Int64(count))) }
        try await entry(type: Self.importType, id: importID, customerID: nil, .create, changes: changes).create(on: db)
    }

    /// The entity type of an import's entry.
    static let importType = "import"

    /// Records the fields that differ from `before` (the entity's `auditFields` before the change);
    /// nothing when none changed.
    func updated(_ entity: some Auditable, before: [String: JSONValue]) async throws {
        let after = entity.auditFields
        var changes: [String: (JSONValue, JSONValue)] = [:]
        for key in Set(before.keys).union(after.keys) where before[key] != after[key] {
            changes[key] = (before[key] ?? .null, after[key] ?? .null)
        }
        guard !changes.isEmpty else { return }
        try await write(entity, .update, changes: changes)
    }

    func deleted(_ entity: some Auditable) async throws {
        try await write(entity, .delete, changes: entity.auditFields.mapValues { ($0, JSONValue.null) })
    }

    private func write(_ entity: some Auditable, _ action: AuditAction, changes: [String: (JSONValue, JSONValue)]) async throws {
        try await entry(for: entity, action, changes: changes).create(on: db)
    }

    private func entry(for entity: some Auditable, _ action: AuditAction, changes: [String: (JSONValue, JSONValue)]) -> AuditEntry {
        entry(type: type(of: entity).auditType, id: entity.auditID, customerID: entity.auditCustomerID, action, changes: changes)
    }

    private func entry(type: String, id: UUID, customerID: UUID?, _ action: AuditAction,
                       changes: [String: (JSONValue, JSONValue)]) -> AuditEntry {
        let entry = AuditEntry()
        entry.userID = actor.userID
        entry.requestID = actor.requestID
        entry.entityType = type
        entry.entityID = id
        entry.action = action
        entry.changesText = JSONObject(changes.mapValues { .object(["old": $0.0, "new": $0.1]) }).text
        entry.customerID = customerID
        entry.createdAt = clock.now
        return entry
    }
}

extension AuthenticatedUser {
    var actor: Actor { Actor(userID: id, requestID: requestID) }
}

extension AuditLog {
    /// One `delete` entry per attachment of a tag being deleted, written by a single INSERT … SELECT
    /// (a popular tag may be on thousands of customers).
    func deletedAttachments(ofTag tagID: UUID) async throws {
        let sql = db.sql
        // A fresh UUID per row, in each database's own form (SQLite keeps UUIDs as text).
        let newID: SQLQueryString = sql.dialect.name == "sqlite"
            ? """
              upper(hex(randomblob(4))) || '-' || upper(hex(randomblob(2))) || '-4' || substr(upper(hex(randomblob(2))), 2)
              || '-' || substr('89AB', 1 + (abs(random()) % 4), 1) || substr(upper(hex(randomblob(2))), 2)
              || '-' || upper(hex(randomblob(6)))
              """
            : "gen_random_uuid()"
        let changes = JSONObject(["tagId": .object(["old": .string(tagID.uuidString), "new": .null])]).text
        try await sql.raw("""
            INSERT INTO audit_entries (id, user_id, request_id, entity_type, entity_id, action, changes, customer_id, created_at)
            SELECT \(newID), \(bind: actor.userID), \(bind: actor.requestID), \(bind: CustomerTag.auditType), ct.id,
                   \(bind: AuditAction.delete.rawValue), \(bind: changes), ct.customer_id, \(bind: clock.now)
            FROM customer_tags ct WHERE ct.tag_id = \(bind: tagID)
            """).run()
    }
}

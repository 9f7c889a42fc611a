import Fluent
import SQLKit
import Vapor

/// Optimistic concurrency. An update first claims the row's next version with one conditional
/// `UPDATE … SET version = version + 1 … RETURNING version`: that statement both checks `If-Match`
/// atomically and locks the row for the rest of the transaction (a row lock on PostgreSQL, the write
/// lock on SQLite), so concurrent edits apply one after the other and none is lost.
struct VersionGate: Sendable {
    let db: any Database

    /// Claims the next version of the row whose `keyColumn` is `id`; `scope` narrows which rows the
    /// caller may touch (a row outside it is "not found"). Returns the new version.
    func claim(_ table: String, keyColumn: String = "id", id: UUID, expected: Int?, scope: SQLQueryString? = nil,
               notFound: String) async throws -> Int {
        var condition: SQLQueryString = "\(ident: keyColumn) = \(bind: id)"
        if let scope { condition = condition + " AND (" + scope + ")" }
        var update: SQLQueryString = "UPDATE \(ident: table) SET version = version + 1 WHERE " + condition
        if let expected { update = update + " AND version = \(bind: expected)" }
        if let row = try await db.sql.raw(update + " RETURNING version").first() {
            return try row.decode(column: "version", as: Int.self)
        }
        guard let current = try await db.sql.raw("SELECT version FROM \(ident: table) WHERE " + condition).first() else {
            throw APIError.notFound(notFound)
        }
        throw APIError.versionMismatch(current: try current.decode(column: "version", as: Int.self))
    }

    /// Claims the next version of every row matching `condition`, for edits the system makes as a side
    /// effect (no `If-Match`): like `claim`, it locks those rows first, so a person's concurrent edit
    /// waits instead of reusing the version. Returns each claimed row's key and new version.
    func claimAll(_ table: String, keyColumn: String = "id", where condition: SQLQueryString) async throws -> [UUID: Int] {
        let rows = try await db.sql.raw("UPDATE \(ident: table) SET version = version + 1 WHERE " + condition
            + " RETURNING \(ident: keyColumn) AS claimed_key, version").all()
        var claimed: [UUID: Int] = [:]
        for row in rows {
            claimed[try row.decode(column: "claimed_key", as: UUID.self)] = try row.decode(column: "version", as: Int.self)
        }
        return claimed
    }
}

/// Serialises transactions that derive something from a row (a customer's salesperson, a record's
/// statistics) with those that change it. On PostgreSQL, `SELECT … FOR UPDATE` locks the row until
/// commit and later statements see every change committed before; on SQLite there is nothing to do:
/// a write transaction holds the whole database's write lock from its `BEGIN IMMEDIATE` (CRMDatabase).
struct RowLock: Sendable {
    let db: any Database

    /// The lock order of every write that touches a customer's data: the customer, then its record,
    /// then the customer's other rows (appointments, communications, actions, tags) in whatever order
    /// the write needs. Taking the first two up front, before any row that refers to the customer is
    /// inserted or locked, means two such writes never wait for each other in a cycle (a reassignment
    /// and an appointment change on one customer deadlocked before).
    func customer(_ customerID: UUID) async throws {
        try await lock(Customer.schema, id: customerID)
        try await lock(CustomerRecord.schema, keyColumn: "customer_id", id: customerID)
    }

    func lock(_ table: String, keyColumn: String = "id", id: UUID) async throws {
        guard db.sql.dialect.name != "sqlite" else { return }
        try await db.sql.raw("SELECT 1 FROM \(ident: table) WHERE \(ident: keyColumn) = \(bind: id) FOR UPDATE").run()
    }
}

/// Reads `If-Match` (`"3"`, `W/"3"`, `3` or `*`); nil when absent or `*` (any version).
enum IfMatch {
    static func version(_ req: Request) throws -> Int? {
        guard let raw = req.headers.first(name: .ifMatch)?.trimmingCharacters(in: .whitespaces) else { return nil }
        guard raw != "*" else { return nil }
        var text = raw.hasPrefix("W/") ? String(raw.dropFirst(2)) : raw
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard let version = Int(text), version > 0 else {
            throw APIError.invalid("If-Match", "must be an ETag this server sent, such as \"3\"")
        }
        return version
    }
}

extension APIError {
    /// 412: the resource changed since the client read it.
    static func versionMismatch(current: Int) -> APIError {
        var error = APIError(.preconditionFailed, code: "version-mismatch",
                             detail: "The resource was changed by someone else (now version \(current)). Reload and retry.",
                             headers: ["ETag": "\"\(current)\""])
        error.currentVersion = current
        return error
    }
}

extension Content {
    /// The DTO as a response carrying `ETag: "<version>"`.
    func response(version: Int, status: HTTPStatus = .ok, for req: Request) async throws -> Response {
        let response = try await encodeResponse(status: status, for: req)
        response.headers.replaceOrAdd(name: .eTag, value: "\"\(version)\"")
        return response
    }
}

/// A row edited under optimistic concurrency: it has a version (its ETag) and an update time.
protocol VersionedEntity: Model, Auditable where IDValue == UUID {
    var version: Int { get set }
    var updatedAt: Date { get set }
}

/// The one skeleton of a versioned edit, run inside the caller's transaction: claim the next version
/// (checks `If-Match` and locks the row), read the row, let `change` mutate it (it may throw: the
/// transaction rolls back), stamp version and update time, save (or `save` it, when saving does more),
/// and audit the fields that changed.
/// What the caller does before (locks in `RowLock`'s order) and after (side effects) stays with it.
struct VersionedEdit: Sendable {
    let db: any Database
    let clock: CRMClock
    let actor: Actor

    func apply<Entity: VersionedEntity>(
        _ type: Entity.Type, id: UUID, keyColumn: String = "id", expected: Int?, scope: SQLQueryString? = nil,
        notFound: String, save: ((Entity) async throws -> Void)? = nil, _ change: (Entity) async throws -> Void
    ) async throws -> Entity {
        let version = try await VersionGate(db: db).claim(Entity.schema, keyColumn: keyColumn, id: id, expected: expected,
                                                           scope: scope, notFound: notFound)
        let found = keyColumn == "id"
            ? try await Entity.find(id, on: db)
            : try await Entity.query(on: db).filter(.sql(embed: "\(ident: keyColumn) = \(bind: id)")).first()
        guard let entity = found else { throw APIError.notFound(notFound) }
        let before = entity.auditFields
        try await change(entity)
        entity.version = version
        entity.updatedAt = clock.now
        if let save { try await save(entity) } else { try await entity.save(on: db) }
        try await AuditLog(db: db, clock: clock, actor: actor).updated(entity, before: before)
        return entity
    }
}

import Fluent
import SQLKit
import Vapor

/// API keys (ADMIN, people only): make one (shown once), list them, revoke one; and the per-request
/// sign-in of a presented key. A key is its own user row (`kind` `api_key`), so revoking it deactivates
/// that row and every instance refuses the key on its next request.
struct APIKeyService: Sendable {
    let db: any Database
    let clock: CRMClock

    /// `lastUsedAt` is written at most this often per key (a busy key does not turn every read into a write).
    static let lastUsedResolution: TimeInterval = 60
    /// The scopes a key may carry at once.
    static let maxScopes = APIKeyScope.allCases.count

    struct Created: Sendable {
        let key: APIKey
        let role: UserRole
        /// The key itself: in this answer only.
        let secret: String
    }

    func create(_ input: Input<CreateAPIKeyRequest>, by actor: Actor) async throws -> Created {
        var errors = input.problems
        let name = errors.requiredText(input.name, "name", max: TextLimits.name)
        try errors.throwIfAny()
        var scopes: [APIKeyScope] = []
        for scope in input.scopes ?? [] where !scopes.contains(scope) { scopes.append(scope) }

        let secret = APIKey.generate()
        let id = UUID()
        let now = clock.now
        let user = User(id: id, email: "key-\(id.uuidString.lowercased())@api-keys.invalid", name: name,
                        role: input.role, passwordHash: "!", active: true, now: now)
        user.kind = .apiKey
        let key = APIKey()
        key.id = id
        key.name = name
        key.keyHash = APIKey.hash(secret)
        key.prefix = String(secret.prefix(APIKey.shownLength))
        key.scopes = scopes
        key.createdBy = actor.userID
        key.createdAt = now
        try await db.transaction { db in
            try await user.create(on: db)
            try await key.create(on: db)
            try await AuditLog(db: db, clock: clock, actor: actor).created(key)
        }
        return Created(key: key, role: input.role, secret: secret)
    }

    /// Newest first, keyset-paged, revoked keys included (with `revokedAt`); each with its role.
    func list(_ page: PageRequest) async throws -> Page<(APIKey, UserRole)> {
        let keys = try await APIKey.query(on: db).page(newestFirstBy: \.$createdAt, page) { $0.createdAt }
        let ids = keys.items.compactMap(\.id)
        let roles = ids.isEmpty ? [:] : Dictionary(
            uniqueKeysWithValues: try await User.query(on: db).filter(\.$id ~~ ids).all().map { ($0.id!, $0.role) })
        return try keys.map { key in
            guard let role = roles[key.id!] else { throw APIError.notFound("API key") }
            return (key, role)
        }
    }

    /// Revokes the key at once: its user row is deactivated in the same transaction. Revoking a revoked
    /// key changes nothing.
    func revoke(_ id: UUID, by actor: Actor) async throws {
        try await db.transaction { db in
            guard let key = try await APIKey.find(id, on: db) else { throw APIError.notFound("API key") }
            guard key.revokedAt == nil else { return }
            let before = key.auditFields
            let now = clock.now
            key.revokedAt = now
            try await key.save(on: db)
            try await db.sql.raw("""
                UPDATE users SET active = \(bind: false), token_epoch = token_epoch + 1, updated_at = \(bind: now)
                WHERE id = \(bind: id)
                """).run()
            try await AuditLog(db: db, clock: clock, actor: actor).updated(key, before: before)
        }
    }

    /// The caller a presented key stands for: not revoked, its user active. One lookup by the key's
    /// hash (unique index); `lastUsedAt` moves on when it is older than `lastUsedResolution`.
    func signIn(_ presented: String) async throws -> AuthenticatedUser? {
        guard presented.count == APIKey.presentedLength else { return nil }
        guard let row = try await db.sql.raw("""
            SELECT k.id AS id, k.scopes AS scopes, k.last_used_at AS last_used_at, u.email AS email, u.name AS name, u.role AS role
            FROM api_keys k JOIN users u ON u.id = k.id
            WHERE k.key_hash = \(bind: APIKey.hash(presented)) AND k.revoked_at IS NULL AND u.active = \(bind: true)
            """).first(),
            let role = UserRole(rawValue: try row.decode(column: "role", as: String.self))
        else { return nil }
        let id = try row.decode(column: "id", as: UUID.self)
        let now = clock.now
        let stale = now.addingTimeInterval(-Self.lastUsedResolution)
        if try row.decode(column: "last_used_at", as: Date?.self).map({ $0 < stale }) ?? true {
            try await db.sql.raw("""
                UPDATE api_keys SET last_used_at = \(bind: now)
                WHERE id = \(bind: id) AND (last_used_at IS NULL OR last_used_at < \(bind: stale))
                """).run()
        }
        return AuthenticatedUser(id: id, email: try row.decode(column: "email", as: String.self),
                                 name: try row.decode(column: "name", as: String.self), role: role,
                                 apiKey: .init(scopes: APIKeyScope.parseList(try row.decode(column: "scopes", as: String.self))))
    }
}

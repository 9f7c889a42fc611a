import JWT
import SQLKit
import Vapor

/// The bearer token's claims: standard `sub`, `exp`, `iat`, plus the role at issue time.
struct UserToken: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var role: String

    /// Signature is checked by JWTKit; expiry is checked by `BearerAuthenticator` against the app's clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The signed-in caller of a request, loaded fresh from the database on each request
/// (so deactivation and role changes take effect at once).
public struct AuthenticatedUser: Authenticatable, Sendable {
    public let id: UUID
    public let email: String
    public let name: String
    public let role: UserRole
    /// The request this user is making (for the audit trail).
    public var requestID: String? = nil
}

/// Verifies the bearer token and loads its active user; anything wrong leaves the request unauthenticated.
struct BearerAuthenticator: AsyncBearerAuthenticator {
    func authenticate(bearer: BearerAuthorization, for request: Request) async throws {
        guard let token = try? await request.jwt.verify(bearer.token, as: UserToken.self),
              token.exp.value > request.clock.now,
              let id = UUID(uuidString: token.sub.value),
              var user = try await Self.activeUser(id, on: request.db.sql)
        else { return }
        user.requestID = request.requestID
        request.auth.login(user)
        request.logger[metadataKey: "user-id"] = .string(id.uuidString)
    }

    /// The active user with this id, read with one plain statement: every authenticated request pays
    /// for this lookup, so it skips the ORM's query building and model decoding.
    static func activeUser(_ id: UUID, on sql: any SQLDatabase) async throws -> AuthenticatedUser? {
        guard let row = try await sql.raw("""
            SELECT email, name, role FROM users WHERE id = \(bind: id) AND active = \(bind: true)
            """).first(),
            let role = UserRole(rawValue: try row.decode(column: "role", as: String.self))
        else { return nil }
        return AuthenticatedUser(id: id, email: try row.decode(column: "email", as: String.self),
                                 name: try row.decode(column: "name", as: String.self), role: role)
    }
}

/// Lets a request through only with a signed-in user of one of the allowed roles (401 / 403 otherwise).
struct RoleGuard: AsyncMiddleware {
    let allowed: Set<UserRole>

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.auth.get(AuthenticatedUser.self) else { throw APIError.unauthorized }
        guard allowed.contains(user.role) else { throw APIError.forbidden }
        return try await next.respond(to: request)
    }
}

extension RoutesBuilder {
    /// Routes in this group need a valid token of one of `roles` — one line per group in `routes`.
    /// Their POSTs honour `Idempotency-Key`.
    func allowing(_ roles: UserRole...) -> any RoutesBuilder {
        grouped(BearerAuthenticator(), RoleGuard(allowed: Set(roles)), IdempotencyMiddleware())
    }

    /// Routes in this group need a valid token of any role (POSTs honour `Idempotency-Key`).
    func signedIn() -> any RoutesBuilder {
        grouped(BearerAuthenticator(), RoleGuard(allowed: Set(UserRole.allCases)), IdempotencyMiddleware())
    }
}

extension Request {
    /// The caller; only call behind `allowing(...)` or `signedIn()`.
    var caller: AuthenticatedUser {
        get throws {
            guard let user = auth.get(AuthenticatedUser.self) else { throw APIError.unauthorized }
            return user
        }
    }
}

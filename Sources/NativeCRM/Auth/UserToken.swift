import Foundation
import JWT
import SQLKit
import Vapor

/// The bearer token's claims: standard `sub`, `exp`, `iat`, `jti`, plus the role at issue time and the
/// user's token epoch (`ver`). `nbf` is never issued but is honoured when present.
struct UserToken: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var nbf: NotBeforeClaim?
    var jti: IDClaim
    var role: String
    /// The user's `token_epoch` when the token was issued; a later epoch ends it.
    var ver: Int

    /// Signature is checked by JWTKit; the times by `BearerAuthenticator` against the app's clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// Issued-at and not-before may lie this far ahead of the server's clock (skew between instances);
    /// further is a token from the future, refused.
    static let clockSkew: TimeInterval = 5

    /// Whether the claims hold at `now`: not expired, not issued or valid only in the future.
    func isCurrent(at now: Date) -> Bool {
        exp.value > now && iat.value <= now.addingTimeInterval(Self.clockSkew)
            && (nbf.map { $0.value <= now.addingTimeInterval(Self.clockSkew) } ?? true)
    }

    /// Only HS256 tokens are ours: the header must say so (JWTKit would verify with our one key
    /// whatever `alg` claims).
    static func hasPinnedAlgorithm(_ token: String) -> Bool {
        guard let header = token.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first,
              header.count <= 512 else { return false }
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
              let fields = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return false }
        return fields["alg"] as? String == "HS256" && fields["crit"] == nil
    }
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
    /// The token this request came with: its id, expiry and epoch (for logout and the live stream).
    var session: Session? = nil
    /// Set when the caller is an API key (`APIKey`), not a person.
    var apiKey: APIKeyGrant? = nil

    struct Session: Sendable {
        let tokenID: String
        let expiresAt: Date
        let epoch: Int
    }

    /// What an API key may do beyond its role: nothing more, and with scopes, less.
    struct APIKeyGrant: Sendable {
        let scopes: [APIKeyScope]
    }
}

/// Verifies the bearer token and loads its user; anything wrong leaves the request unauthenticated.
/// A token counts only while its user is active, its epoch is the user's, and it was not logged out.
struct BearerAuthenticator: AsyncBearerAuthenticator {
    func authenticate(bearer: BearerAuthorization, for request: Request) async throws {
        if APIKey.looksLikeKey(bearer.token) {
            guard var user = try await APIKeyService(db: request.db, clock: request.clock).signIn(bearer.token) else { return }
            user.requestID = request.requestID
            request.auth.login(user)
            request.logger[metadataKey: "user-id"] = .string(user.id.uuidString)
            return
        }
        guard UserToken.hasPinnedAlgorithm(bearer.token),
              let token = try? await request.jwt.verify(bearer.token, as: UserToken.self),
              token.isCurrent(at: request.clock.now),
              let id = UUID(uuidString: token.sub.value)
        else { return }
        let session = AuthenticatedUser.Session(tokenID: token.jti.value, expiresAt: token.exp.value, epoch: token.ver)
        guard var user = try await Self.currentUser(id, session: session, on: request.db.sql) else { return }
        user.requestID = request.requestID
        request.auth.login(user)
        request.logger[metadataKey: "user-id"] = .string(id.uuidString)
    }

    /// The user a session belongs to, if it still counts: active, same epoch, not logged out. One plain
    /// statement: every authenticated request (and every poll of a live stream) pays for it.
    static func currentUser(_ id: UUID, session: AuthenticatedUser.Session, on sql: any SQLDatabase) async throws
        -> AuthenticatedUser?
    {
        guard let row = try await sql.raw("""
            SELECT email, name, role, token_epoch,
                   (SELECT COUNT(*) FROM revoked_tokens WHERE jti = \(bind: session.tokenID)) AS revoked
            FROM users WHERE id = \(bind: id) AND active = \(bind: true)
            """).first(),
            try row.decode(column: "token_epoch", as: Int.self) == session.epoch,
            try row.decode(column: "revoked", as: Int.self) == 0,
            let role = UserRole(rawValue: try row.decode(column: "role", as: String.self))
        else { return nil }
        return AuthenticatedUser(id: id, email: try row.decode(column: "email", as: String.self),
                                 name: try row.decode(column: "name", as: String.self), role: role, session: session)
    }
}

/// Whether an endpoint takes API keys (`APIKey`), and which.
enum KeyAccess: Sendable, Equatable {
    /// A key acts with its role's rights; a key narrowed by scopes is refused.
    case role
    /// People only: managing users and keys, one's own password and session, the live stream.
    case refused
    /// Only a key carrying this scope (a person's token is refused).
    case scope(APIKeyScope)
}

/// Lets a request through only with a signed-in caller of one of the allowed roles, and an API key only
/// where `keys` lets it (401 / 403 otherwise).
struct RoleGuard: AsyncMiddleware {
    let allowed: Set<UserRole>
    var keys: KeyAccess = .role

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.auth.get(AuthenticatedUser.self) else { throw APIError.unauthorized }
        switch keys {
        case .role:
            if let key = user.apiKey, !key.scopes.isEmpty {
                throw APIError(.forbidden, code: "forbidden", detail: "This API key is limited to: "
                               + key.scopes.map(\.rawValue).joined(separator: ", ") + ".")
            }
        case .refused:
            guard user.apiKey == nil else {
                throw APIError(.forbidden, code: "forbidden", detail: "An API key cannot do this; a person must sign in.")
            }
        case let .scope(scope):
            guard let key = user.apiKey, key.scopes.contains(scope) else {
                throw APIError(.forbidden, code: "forbidden", detail: "Only an API key with the `\(scope.rawValue)` scope may call this.")
            }
        }
        guard allowed.contains(user.role) else { throw APIError.forbidden }
        return try await next.respond(to: request)
    }
}

extension Request {
    /// The caller; only call behind a signed-in endpoint's guard (`Endpoint.middleware`).
    var caller: AuthenticatedUser {
        get throws {
            guard let user = auth.get(AuthenticatedUser.self) else { throw APIError.unauthorized }
            return user
        }
    }
}

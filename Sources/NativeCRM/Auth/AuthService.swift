import Fluent
import JWT
import SQLKit
import Vapor

/// Signs people in and out: checks passwords (bcrypt) under the login throttle, issues bearer tokens,
/// ends them (logout), and lets a user change their own password.
struct AuthService: Sendable {
    let db: any Database
    let clock: CRMClock
    let hasher: PasswordHashing
    let keys: JWTKeyCollection
    let tokenTTL: Int
    /// A hash of a random secret, verified against for unknown emails.
    let decoyHash: String
    /// Who is calling (the throttle counts per client address).
    let clientAddress: String

    init(request: Request) {
        db = request.db
        clock = request.clock
        hasher = PasswordHashing(app: request.application)
        keys = request.application.jwt.keys
        tokenTTL = request.application.crmConfig.tokenTTL
        decoyHash = request.application.decoyPasswordHash
        clientAddress = ClientAddress.of(request)
    }

    static let invalidCredentials = APIError(
        .unauthorized, code: "invalid-credentials", detail: "The email or password is wrong, or the account is inactive.")

    func login(_ input: Input<LoginRequest>) async throws -> LoginResponse {
        try input.problems.throwIfAny()
        // Before any lookup or counter: an email no account can have is not worth a row.
        guard input.email.count <= TextLimits.email else {
            throw APIError.invalid("email", "must be at most \(TextLimits.email) characters")
        }
        let user = try await checkPassword(email: UserInput.normalizedEmail(input.email), input.password,
                                           wrong: Self.invalidCredentials)
        return try await issueToken(for: user)
    }

    /// `POST /auth/password`: the caller's current password (checked under the throttle, like a login)
    /// and a new one. Every earlier token of the user ends; the answer carries a fresh one.
    func changePassword(_ input: Input<PasswordChangeRequest>, caller: AuthenticatedUser) async throws -> LoginResponse {
        var errors = input.problems
        UserInput.checkPassword(input.newPassword, field: "newPassword", into: &errors)
        try errors.throwIfAny()
        _ = try await checkPassword(email: caller.email, input.currentPassword, wrong: APIError(
            .badRequest, code: "validation-failed", detail: "Invalid input: currentPassword.",
            errors: [FieldError(field: "currentPassword", message: "is not your current password")]))
        let hash = try await hasher.hash(input.newPassword)
        let user = try await UserService(db: db, clock: clock, hasher: hasher)
            .setPassword(userID: caller.id, hash: hash, by: caller.actor)
        return try await issueToken(for: user)
    }

    /// `POST /auth/logout`: this token ends now (on every instance); the user's other tokens stay.
    func logout(_ caller: AuthenticatedUser) async throws {
        guard let session = caller.session else { throw APIError.unauthorized }
        try await db.sql.raw("""
            INSERT INTO revoked_tokens (jti, user_id, expires_at)
            VALUES (\(bind: session.tokenID), \(bind: caller.id), \(bind: session.expiresAt))
            ON CONFLICT (jti) DO NOTHING
            """).run()
    }

    /// Deletes revocations of tokens that have expired anyway (run by the scheduler).
    static func purgeExpiredRevocations(on db: any Database, now: Date) async throws {
        try await db.sql.raw("DELETE FROM revoked_tokens WHERE expires_at < \(bind: now)").run()
    }

    /// The account behind `email` when `password` is its password and it is active, counted by the
    /// throttle either way; otherwise `wrong` (or 429 once this address has failed too often).
    private func checkPassword(email: String, _ password: String, wrong: APIError) async throws -> User {
        let throttle = LoginThrottle(db: db.sql, now: clock.now)
        let keys = LoginThrottle.Keys(email: email, address: clientAddress)
        if let seconds = try await throttle.retryAfter(keys) {
            throw LoginThrottle.tooManyAttempts(retryAfter: seconds)
        }
        let counts = try await throttle.countAttempt(keys)
        // Past a limit already (parallel guesses): no check at all.
        if counts.pair > LoginThrottle.maxPairFailures {
            throw LoginThrottle.tooManyAttempts(retryAfter: try await throttle.lock(keys.pair))
        }
        if counts.address > LoginThrottle.maxAddressFailures {
            throw LoginThrottle.tooManyAttempts(retryAfter: try await throttle.lock(keys.address))
        }
        let delay = LoginThrottle.delay(afterFailures: counts.account - 1)
        if delay > .zero { try await Task.sleep(for: delay) }

        let user = try await User.query(on: db).filter(\.$email == email).filter(\.$kind == .person).first()
        // Verify against a real hash even for unknown emails so timing does not reveal which exist.
        let matches = try await hasher.verify(password, against: user?.passwordHash ?? decoyHash)
        guard let user, matches, user.active else {
            if counts.pair >= LoginThrottle.maxPairFailures {
                throw LoginThrottle.tooManyAttempts(retryAfter: try await throttle.lock(keys.pair))
            }
            if counts.address >= LoginThrottle.maxAddressFailures {
                throw LoginThrottle.tooManyAttempts(retryAfter: try await throttle.lock(keys.address))
            }
            throw wrong
        }
        try await throttle.recordSuccess(keys)
        return user
    }

    private func issueToken(for user: User) async throws -> LoginResponse {
        let now = clock.now
        let expiresAt = now.addingTimeInterval(TimeInterval(tokenTTL))
        let claims = UserToken(sub: .init(value: user.id!.uuidString), exp: .init(value: expiresAt),
                               iat: .init(value: now), nbf: nil, jti: .init(value: Self.newTokenID()),
                               role: user.role.rawValue, ver: user.tokenEpoch)
        let token = try await keys.sign(claims)
        return LoginResponse(token: token, expiresAt: expiresAt, user: LoginUser(
            id: user.id!, email: user.email, name: user.name, role: user.role))
    }

    /// 128 random bits, base64url.
    private static func newTokenID() -> String {
        [UInt8].random(count: 16).base64.replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

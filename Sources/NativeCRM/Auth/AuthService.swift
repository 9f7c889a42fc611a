import Fluent
import JWT
import SQLKit
import Vapor

/// Signs people in: checks the password (bcrypt), throttles guessing, issues the bearer token.
struct AuthService: Sendable {
    let db: any Database
    let clock: CRMClock
    let hasher: PasswordHashing
    let keys: JWTKeyCollection
    let tokenTTL: Int
    /// A hash of a random secret, verified against for unknown emails.
    let decoyHash: String

    init(request: Request) {
        db = request.db
        clock = request.clock
        hasher = PasswordHashing(app: request.application)
        keys = request.application.jwt.keys
        tokenTTL = request.application.crmConfig.tokenTTL
        decoyHash = request.application.decoyPasswordHash
    }

    static let invalidCredentials = APIError(
        .unauthorized, code: "invalid-credentials", detail: "The email or password is wrong, or the account is inactive.")

    func login(_ input: LoginRequest) async throws -> LoginResponse {
        let email = UserInput.normalizedEmail(input.email)
        let now = clock.now
        let throttle = LoginThrottle(db: db.sql, now: now)
        if let seconds = try await throttle.retryAfter(email: email) {
            throw LoginThrottle.tooManyAttempts(retryAfter: seconds)
        }
        let attempt = try await throttle.countAttempt(email: email)
        if attempt > LoginThrottle.maxFailures {  // past the limit already (parallel guesses): no check at all
            throw LoginThrottle.tooManyAttempts(retryAfter: try await throttle.lock(email: email))
        }
        let user = try await User.query(on: db).filter(\.$email == email).first()
        // Verify against a real hash even for unknown emails so timing does not reveal which exist.
        let matches = try await hasher.verify(input.password, against: user?.passwordHash ?? decoyHash)
        guard let user, matches, user.active else {
            if attempt >= LoginThrottle.maxFailures {
                throw LoginThrottle.tooManyAttempts(retryAfter: try await throttle.lock(email: email))
            }
            throw Self.invalidCredentials
        }
        try await throttle.recordSuccess(email: email)
        let expiresAt = now.addingTimeInterval(TimeInterval(tokenTTL))
        let claims = UserToken(sub: .init(value: user.id!.uuidString), exp: .init(value: expiresAt),
                               iat: .init(value: now), role: user.role.rawValue)
        let token = try await keys.sign(claims)
        return LoginResponse(token: token, expiresAt: expiresAt, user: LoginUser(
            id: user.id!, email: user.email, name: user.name, role: user.role))
    }
}

import Fluent
import SQLKit
import Vapor

/// Slows password guessing per account: after `maxFailures` failed logins within `window`, the account's
/// logins answer 429 for `lockout`. Kept in the database so every server instance sees the same count;
/// other accounts are never affected.
struct LoginThrottle: Sendable {
    static let maxFailures = 5
    static let window: TimeInterval = 15 * 60
    static let lockout: TimeInterval = 15 * 60

    let db: any SQLDatabase
    let now: Date

    /// Seconds until the account may try again, or nil when it is not locked.
    func retryAfter(email: String) async throws -> Int? {
        let row = try await db.raw("SELECT locked_until FROM login_throttles WHERE email = \(bind: email)").first()
        guard let until = try row?.decode(column: "locked_until", as: Date?.self), until > now else { return nil }
        return max(1, Int(until.timeIntervalSince(now).rounded(.up)))
    }

    /// Counts an attempt before its password is checked (so parallel guesses cannot all slip past the
    /// limit while bcrypt runs); returns the attempt's number within the window. `recordSuccess` forgets
    /// the count.
    func countAttempt(email: String) async throws -> Int {
        let windowStart = now.addingTimeInterval(-Self.window)
        let row = try await db.raw("""
            INSERT INTO login_throttles (email, failures, window_started_at, locked_until)
            VALUES (\(bind: email), 1, \(bind: now), NULL)
            ON CONFLICT (email) DO UPDATE SET
              failures = CASE WHEN login_throttles.window_started_at < \(bind: windowStart)
                              THEN 1 ELSE login_throttles.failures + 1 END,
              window_started_at = CASE WHEN login_throttles.window_started_at < \(bind: windowStart)
                              THEN \(bind: now) ELSE login_throttles.window_started_at END
            RETURNING failures
            """).first()
        return try row?.decode(column: "failures", as: Int.self) ?? 0
    }

    /// Locks the account for `lockout`; returns its length in seconds. The count is kept (guesses already
    /// in flight stay past the limit) and its window restarts, so it has expired when the lock has.
    func lock(email: String) async throws -> Int {
        let until = now.addingTimeInterval(Self.lockout)
        try await db.raw("""
            UPDATE login_throttles SET window_started_at = \(bind: now), locked_until = \(bind: until)
            WHERE email = \(bind: email)
            """).run()
        return Int(Self.lockout)
    }

    func recordSuccess(email: String) async throws {
        try await db.raw("DELETE FROM login_throttles WHERE email = \(bind: email)").run()
    }

    static func tooManyAttempts(retryAfter seconds: Int) -> APIError {
        APIError(.tooManyRequests, code: "too-many-login-attempts",
                 detail: "Too many failed logins for this account. Try again in \(seconds) seconds.",
                 headers: ["Retry-After": String(seconds)])
    }
}

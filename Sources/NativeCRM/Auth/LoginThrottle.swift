import Fluent
import SQLKit
import Vapor

/// Slows password guessing without letting an attacker lock anyone else out. Failures are counted
/// per (account, client address), per client address and per account, in the database so every
/// instance sees the same counts:
/// - an (account, address) pair with `maxPairFailures` failures within `window` is refused for
///   `lockout` (429): the guesser is locked out, the account's owner elsewhere is not;
/// - an address with `maxAddressFailures` failures (across accounts) is refused the same way;
/// - an account only slows down: past `accountDelayAfter` failures from anywhere, each attempt waits
///   `delay(afterFailures:)` before its password is checked, but the right password from a clean
///   address still signs in.
/// Rows are deleted once their window and lock have passed (`purgeExpired`, run by the scheduler).
struct LoginThrottle: Sendable {
    static let maxPairFailures = 5
    static let maxAddressFailures = 30
    static let accountDelayAfter = 5
    static let window: TimeInterval = 15 * 60
    static let lockout: TimeInterval = 15 * 60

    let db: any SQLDatabase
    let now: Date

    /// The counters one attempt touches.
    struct Keys: Sendable {
        let account: String
        let pair: String
        let address: String

        init(email: String, address: String) {
            account = "account:" + email
            pair = "pair:" + address + " " + email
            self.address = "address:" + address
        }

        var all: [String] { [pair, address, account] }
    }

    /// An attempt's numbers within the window (this attempt included).
    struct Counts: Sendable {
        var pair = 0
        var address = 0
        var account = 0
    }

    /// Progressive delay for an account's attempt after `failures` earlier failures: 0.25 s doubling to 4 s.
    static func delay(afterFailures failures: Int) -> Duration {
        guard failures >= accountDelayAfter else { return .zero }
        let steps = min(failures - accountDelayAfter, 4)
        return .milliseconds(250 << steps)
    }

    /// Seconds until this pair or address may try again, or nil when neither is locked.
    func retryAfter(_ keys: Keys) async throws -> Int? {
        let rows = try await db.raw("""
            SELECT locked_until FROM login_throttles
            WHERE throttle_key IN (\(bind: keys.pair), \(bind: keys.address)) AND locked_until > \(bind: now)
            """).all()
        let until = try rows.compactMap { try $0.decode(column: "locked_until", as: Date?.self) }.max()
        return until.map { max(1, Int($0.timeIntervalSince(now).rounded(.up))) }
    }

    /// Counts an attempt on all three counters before its password is checked (so parallel guesses
    /// cannot all slip past a limit while bcrypt runs); `recordSuccess` takes a success back out.
    func countAttempt(_ keys: Keys) async throws -> Counts {
        let windowStart = now.addingTimeInterval(-Self.window)
        let rows = try await db.raw("""
            INSERT INTO login_throttles (throttle_key, failures, window_started_at, locked_until)
            VALUES (\(bind: keys.pair), 1, \(bind: now), NULL), (\(bind: keys.address), 1, \(bind: now), NULL),
                   (\(bind: keys.account), 1, \(bind: now), NULL)
            ON CONFLICT (throttle_key) DO UPDATE SET
              failures = CASE WHEN login_throttles.window_started_at < \(bind: windowStart)
                              THEN 1 ELSE login_throttles.failures + 1 END,
              window_started_at = CASE WHEN login_throttles.window_started_at < \(bind: windowStart)
                              THEN \(bind: now) ELSE login_throttles.window_started_at END
            RETURNING throttle_key, failures
            """).all()
        var counts = Counts()
        for row in rows {
            let failures = try row.decode(column: "failures", as: Int.self)
            switch try row.decode(column: "throttle_key", as: String.self) {
            case keys.pair: counts.pair = failures
            case keys.address: counts.address = failures
            default: counts.account = failures
            }
        }
        return counts
    }

    /// Locks a pair or address for `lockout`; returns its length in seconds. The count is kept (guesses
    /// in flight stay past the limit) and its window restarts, so it expires with the lock.
    func lock(_ key: String) async throws -> Int {
        let until = now.addingTimeInterval(Self.lockout)
        try await db.raw("""
            UPDATE login_throttles SET window_started_at = \(bind: now), locked_until = \(bind: until)
            WHERE throttle_key = \(bind: key)
            """).run()
        return Int(Self.lockout)
    }

    /// A right password: the pair starts afresh, and the attempt no longer counts against the address
    /// or the account (their other failures stay until their window passes).
    func recordSuccess(_ keys: Keys) async throws {
        try await db.raw("DELETE FROM login_throttles WHERE throttle_key = \(bind: keys.pair)").run()
        try await db.raw("""
            UPDATE login_throttles SET failures = failures - 1
            WHERE throttle_key IN (\(bind: keys.address), \(bind: keys.account)) AND failures > 0
            """).run()
    }

    /// Deletes counters whose window and lock have both passed.
    func purgeExpired() async throws {
        try await db.raw("""
            DELETE FROM login_throttles
            WHERE window_started_at < \(bind: now.addingTimeInterval(-Self.window))
              AND (locked_until IS NULL OR locked_until <= \(bind: now))
            """).run()
    }

    static func tooManyAttempts(retryAfter seconds: Int) -> APIError {
        CRMMetrics.throttledLogins.increment()
        return APIError(.tooManyRequests, code: "too-many-login-attempts",
                 detail: "Too many failed sign-ins from this address. Try again in \(seconds) seconds.",
                 headers: ["Retry-After": String(seconds)])
    }
}

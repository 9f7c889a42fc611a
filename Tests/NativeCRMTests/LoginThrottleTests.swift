import Foundation
import SQLKit
import Testing
import Vapor
@testable import NativeCRM

/// Failed logins are counted per (account, client address) and per address: an attacker locks out
/// only themselves; an account attacked from everywhere only slows down.
@Suite("Login throttle")
struct LoginThrottleTests {
    static let proxy = [IPNetwork("127.0.0.1")!]

    /// A login as seen through the trusted proxy from `address`.
    func login(_ t: TestContext, _ email: String, _ password: String, from address: String) async throws -> APIResponse {
        try await t.request(.POST, "/auth/login", json: ["email": email, "password": password],
                            headers: [("X-Forwarded-For", address)])
    }

    @Test func anAttackerLocksOutOnlyThemselves() async throws {
        try await withCRM(trustedProxies: Self.proxy) { (t: TestContext) async throws in
            let admin = try await t.makeUser(.admin)  // the clinic's only ADMIN
            for attempt in 1...4 {
                #expect(try await login(t, admin.email, "guess-\(attempt)", from: "203.0.113.66").status == .unauthorized)
            }
            let locked = try await login(t, admin.email, "guess-5", from: "203.0.113.66")
            #expect(locked.status == .tooManyRequests && locked.headers.first(name: "Retry-After") == "900")
            #expect(try await login(t, admin.email, admin.password, from: "203.0.113.66").status == .tooManyRequests,
                    "the attacker's address stays locked, even with the right password")
            let owner = try await login(t, admin.email, admin.password, from: "198.51.100.7")
            #expect(owner.status == .ok, "the owner from another address signs in: \(owner.text)")
        }
    }

    @Test func oneAddressFailingOnManyAccountsIsLockedForAll() async throws {
        try await withCRM(trustedProxies: Self.proxy) { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            for attempt in 1..<LoginThrottle.maxAddressFailures {
                let res = try await login(t, "nobody\(attempt)@clinic.test", "wrong-password", from: "203.0.113.9")
                #expect(res.status == .unauthorized, "attempt \(attempt)")
            }
            #expect(try await login(t, "last@clinic.test", "wrong-password", from: "203.0.113.9").status == .tooManyRequests)
            #expect(try await login(t, user.email, user.password, from: "203.0.113.9").status == .tooManyRequests)
            #expect(try await login(t, user.email, user.password, from: "203.0.113.10").status == .ok)
        }
    }

    /// Failures from many addresses only slow the account down; the right password still works.
    @Test func anAccountAttackedFromEverywhereSlowsDownButStillSignsIn() async throws {
        try await withCRM(trustedProxies: Self.proxy) { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let bystander = try await t.makeUser(.salesperson)
            for attempt in 1...(LoginThrottle.accountDelayAfter + 1) {
                _ = try await login(t, user.email, "guess", from: "203.0.113.\(attempt)")
            }
            let start = ContinuousClock.now
            let res = try await login(t, user.email, user.password, from: "198.51.100.1")
            let elapsed = ContinuousClock.now - start
            #expect(res.status == .ok)
            #expect(elapsed >= LoginThrottle.delay(afterFailures: LoginThrottle.accountDelayAfter + 1),
                    "slowed down: \(elapsed)")
            #expect(LoginThrottle.delay(afterFailures: LoginThrottle.accountDelayAfter + 1) == .milliseconds(500))
            #expect(try await login(t, bystander.email, bystander.password, from: "198.51.100.1").status == .ok)
            let counted = try await t.app.db.sql.raw("""
                SELECT failures FROM login_throttles WHERE throttle_key = \(bind: "account:" + bystander.email)
                """).first()?.decode(column: "failures", as: Int.self) ?? 0
            #expect(LoginThrottle.delay(afterFailures: counted) == .zero, "other accounts are not slowed")
        }
    }

    /// Without a trusted proxy the header is the client's own claim and is ignored.
    @Test func forwardedForFromAnUntrustedPeerIsIgnored() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            for attempt in 1...LoginThrottle.maxPairFailures {
                _ = try await login(t, user.email, "guess", from: "203.0.113.\(attempt)")
            }
            #expect(try await login(t, user.email, user.password, from: "198.51.100.1").status == .tooManyRequests,
                    "every guess came from 127.0.0.1, whatever the header said")
        }
    }

    @Test func overlongEmailsAreRefusedBeforeAnyLookup() async throws {
        try await withCRM { (t: TestContext) async throws in
            for length in [255, 500_000] {
                let email = String(repeating: "a", count: length - 11) + "@clinic.test"
                let res = try await t.login(email, "whatever-password")
                #expect(res.status == .badRequest && res.errorFields == ["email"], "\(length): \(res.status)")
            }
            let rows = try await t.app.db.sql.raw("SELECT COUNT(*) AS n FROM login_throttles").first()?.decode(column: "n", as: Int.self)
            #expect(rows == 0, "no counter for an email no account can have")
            #expect(try await t.login(String(repeating: "b", count: 242) + "@clinic.test", "whatever-password").status == .unauthorized,
                    "254 characters is an email")
        }
    }

    @Test func countersAreDeletedOnceTheirWindowHasPassed() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            for _ in 1...LoginThrottle.maxPairFailures { _ = try await t.login(user.email, "wrong-password") }
            _ = try await t.login("someone-else@clinic.test", "wrong-password")
            func rows() async throws -> Int {
                try await t.app.db.sql.raw("SELECT COUNT(*) AS n FROM login_throttles").first()?.decode(column: "n", as: Int.self) ?? -1
            }
            let job = PurgeExpiredRowsJob(app: t.app)
            t.clock.advance(seconds: 14 * 60)
            try await job.run()
            #expect(try await rows() > 0, "within the window and the lock they stay")
            t.clock.advance(seconds: 2 * 60)
            try await job.run()
            #expect(try await rows() == 0)
            #expect(try await t.login(user.email, user.password).status == .ok)
        }
    }

    @Test func aWrongCurrentPasswordCountsLikeAFailedLogin() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            for attempt in 1..<LoginThrottle.maxPairFailures {
                let res = try await t.post("/auth/password", token: user.token,
                                           ["currentPassword": "guess-\(attempt)", "newPassword": "a-new-password"])
                #expect(res.status == .badRequest && res.errorFields == ["currentPassword"], "\(res.text)")
            }
            let locked = try await t.post("/auth/password", token: user.token,
                                          ["currentPassword": "guess-5", "newPassword": "a-new-password"])
            #expect(locked.status == .tooManyRequests)
            #expect(try await t.login(user.email, user.password).status == .tooManyRequests, "same account, same address")
        }
    }
}

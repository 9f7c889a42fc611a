import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Authentication")
struct AuthTests {
    @Test func loginReturnsTokenExpiryAndUser() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson, name: "Dana Sales")
            let res = try await t.login(user.email.uppercased(), user.password)
            #expect(res.status == .ok)
            let body = res.json
            #expect((body["token"] as? String)?.split(separator: ".").count == 3)
            #expect(body["expiresAt"] as? String == "2025-06-02T17:00:00.000Z")  // clock + 8 h default TTL
            let shown = body["user"] as? [String: Any] ?? [:]
            #expect(shown["id"] as? String == user.id)
            #expect(shown["email"] as? String == user.email)
            #expect(shown["name"] as? String == "Dana Sales")
            #expect(shown["role"] as? String == "SALESPERSON")
            #expect(Set(shown.keys) == ["id", "email", "name", "role"])
        }
    }

    @Test func wrongPasswordUnknownEmailAndInactiveUserAreRefused() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let user = try await t.makeUser(.secretariat)
            let wrong = try await t.login(user.email, "not-the-password")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.isProblem)
            let unknown = try await t.login("nobody@clinic.test", "whatever-password")
            #expect(unknown.status == .unauthorized)
            #expect(unknown.json["detail"] as? String == wrong.json["detail"] as? String)

            let off = try await t.patch("/crm/users/\(user.id)", token: admin.token, ["active": false])
            #expect(off.status == .ok)
            let inactive = try await t.login(user.email, user.password)
            #expect(inactive.status == .unauthorized)
        }
    }

    @Test func meReturnsTheCaller() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.secretariat, name: "Front Desk")
            let res = try await t.get("/auth/me", token: user.token)
            #expect(res.status == .ok)
            #expect(res.json["id"] as? String == user.id)
            #expect(res.json["role"] as? String == "SECRETARIAT")
            #expect(res.json["passwordHash"] == nil && res.json["password_hash"] == nil)
            let anonymous = try await t.get("/auth/me")
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.isProblem)
            #expect(anonymous.headers.first(name: .wwwAuthenticate) == "Bearer")
        }
    }

    @Test func expiredTokenIsRejected() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            t.clock.advance(seconds: 28_800 - 1)
            #expect(try await t.get("/auth/me", token: user.token).status == .ok)
            t.clock.advance(seconds: 2)
            let res = try await t.get("/auth/me", token: user.token)
            #expect(res.status == .unauthorized)
            #expect(res.isProblem)
        }
    }

    @Test func tamperedAndForeignTokensAreRejected() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let admin = try await t.admin()
            // Swap the payload for the admin's while keeping the salesperson's signature.
            let mine = user.token.split(separator: ".")
            let theirs = admin.token.split(separator: ".")
            let spliced = [mine[0], theirs[1], mine[2]].joined(separator: ".")
            #expect(try await t.get("/auth/me", token: spliced).status == .unauthorized)
            var flipped = Array(user.token)
            flipped[flipped.count - 3] = flipped[flipped.count - 3] == "A" ? "B" : "A"
            #expect(try await t.get("/auth/me", token: String(flipped)).status == .unauthorized)
            #expect(try await t.get("/auth/me", token: "not-a-jwt").status == .unauthorized)
            let res = try await t.request(.GET, "/auth/me", headers: [("Authorization", "Basic Zm9vOmJhcg==")])
            #expect(res.status == .unauthorized)
        }
    }

    @Test func deactivationStopsExistingTokensAndRoleChangesApplyAtOnce() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let other = try await t.makeUser(.admin)
            #expect(try await t.get("/crm/users", token: other.token).status == .ok)
            _ = try await t.patch("/crm/users/\(other.id)", token: admin.token, ["role": "SALESPERSON"])
            #expect(try await t.get("/crm/users", token: other.token).status == .forbidden)
            _ = try await t.patch("/crm/users/\(other.id)", token: admin.token, ["active": false])
            #expect(try await t.get("/auth/me", token: other.token).status == .unauthorized)
        }
    }

    @Test func repeatedFailuresThrottleOneAccountOnly() async throws {
        try await withCRM { (t: TestContext) async throws in
            let victim = try await t.makeUser(.salesperson)
            let bystander = try await t.makeUser(.salesperson)
            for attempt in 1...4 {
                let res = try await t.login(victim.email, "wrong-password-\(attempt)")
                #expect(res.status == .unauthorized)
            }
            let locking = try await t.login(victim.email, "wrong-password-5")
            #expect(locking.status == .tooManyRequests)
            #expect(locking.isProblem)
            #expect(Int(locking.headers.first(name: "Retry-After") ?? "") == 900)

            let correctButLocked = try await t.login(victim.email, victim.password)
            #expect(correctButLocked.status == .tooManyRequests)
            #expect(Int(correctButLocked.headers.first(name: "Retry-After") ?? "") == 900)
            #expect(try await t.login(bystander.email, bystander.password).status == .ok)

            t.clock.advance(seconds: 600)
            let later = try await t.login(victim.email, victim.password)
            #expect(Int(later.headers.first(name: "Retry-After") ?? "") == 300)
            t.clock.advance(seconds: 301)
            #expect(try await t.login(victim.email, victim.password).status == .ok)
        }
    }

    /// Guesses sent in parallel are counted before their passwords are checked: no more than the limit
    /// are ever checked, and the account ends up locked.
    @Test func parallelGuessesCannotOutrunTheLimit() async throws {
        try await withCRM { (t: TestContext) async throws in
            let victim = try await t.makeUser(.salesperson)
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for attempt in 0..<12 {
                    group.addTask { try await t.login(victim.email, "wrong-password-\(attempt)").status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unauthorized }.count <= LoginThrottle.maxPairFailures - 1, "\(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count >= 12 - (LoginThrottle.maxPairFailures - 1))
            #expect(try await t.login(victim.email, victim.password).status == .tooManyRequests)
        }
    }

    @Test func failuresOutsideTheWindowDoNotAccumulate() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            for _ in 1...4 { _ = try await t.login(user.email, "wrong-password") }
            t.clock.advance(seconds: 16 * 60)
            for _ in 1...4 {
                #expect(try await t.login(user.email, "wrong-password").status == .unauthorized)
            }
            #expect(try await t.login(user.email, user.password).status == .ok)
        }
    }

    @Test func loginBodyIsValidated() async throws {
        try await withCRM { (t: TestContext) async throws in
            let res = try await t.post("/auth/login", ["email": "someone@clinic.test"])
            #expect(res.status == .badRequest)
            #expect(res.errorFields == ["password"])
        }
    }
}

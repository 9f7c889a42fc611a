import Foundation
import JWT
import Testing
import Vapor
@testable import NativeCRM

/// Tokens end when they should: logout, deactivation (and reactivation), password change and reset;
/// only HS256 tokens from the past are accepted.
@Suite("Sessions")
struct SessionTests {
    @Test func logoutEndsThatTokenOnEveryInstanceAndNoOther() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let other = try #require(try await t.login(user.email, user.password).json.string("token"))
            let out = try await t.post("/auth/logout", token: user.token, [:])
            #expect(out.status == .noContent)
            #expect(try await t.get("/auth/me", token: user.token).status == .unauthorized)
            #expect(try await t.post("/auth/logout", token: user.token, [:]).status == .unauthorized)
            #expect(try await t.get("/auth/me", token: other).status == .ok, "the user's other token stays")
            try await t.withSecondInstance { (second: TestContext) async throws in
                #expect(try await second.get("/auth/me", token: user.token).status == .unauthorized)
                #expect(try await second.get("/auth/me", token: other).status == .ok)
            }
        }
    }

    @Test func reactivationDoesNotReviveEarlierTokens() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let user = try await t.makeUser(.secretariat)
            #expect(try await t.patch("/crm/users/\(user.id)", token: admin.token, ["active": false]).status == .ok)
            #expect(try await t.get("/auth/me", token: user.token).status == .unauthorized)
            #expect(try await t.patch("/crm/users/\(user.id)", token: admin.token, ["active": true]).status == .ok)
            #expect(try await t.get("/auth/me", token: user.token).status == .unauthorized, "the old token stays dead")
            let fresh = try await t.login(user.email, user.password)
            #expect(fresh.status == .ok)
            #expect(try await t.get("/auth/me", token: fresh.json.string("token")).status == .ok)
        }
    }

    @Test func anAdminResetChangesThePasswordAndEndsEveryToken() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let user = try await t.makeUser(.salesperson)
            let reset = try await t.patch("/crm/users/\(user.id)", token: admin.token, ["password": "reset-by-admin"])
            #expect(reset.status == .ok)
            #expect(reset.json["password"] == nil && reset.json["passwordHash"] == nil)
            #expect(try await t.get("/auth/me", token: user.token).status == .unauthorized)
            #expect(try await t.login(user.email, user.password).status == .unauthorized, "the old password is gone")
            #expect(try await t.login(user.email, "reset-by-admin").status == .ok)
            let short = try await t.patch("/crm/users/\(user.id)", token: admin.token, ["password": "short"])
            #expect(short.status == .badRequest && short.errorFields == ["password"])
            let typo = try await t.patch("/crm/users/\(user.id)", token: admin.token, ["pasword": "never-applied"])
            #expect(typo.status == .badRequest && typo.errorFields == ["pasword"], "\(typo.text)")
            #expect(try await t.get("/auth/me", token: admin.token).status == .ok, "the admin's own token is untouched")
        }
    }

    @Test func changingYourPasswordEndsEarlierTokensAndGivesANewOne() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let second = try #require(try await t.login(user.email, user.password).json.string("token"))
            let changed = try await t.post("/auth/password", token: user.token,
                                           ["currentPassword": user.password, "newPassword": "my-new-password"])
            #expect(changed.status == .ok, "\(changed.text)")
            let token = try #require(changed.json.string("token"))
            #expect(changed.json[object: "user"].string("id") == user.id)
            #expect(try await t.get("/auth/me", token: token).status == .ok)
            #expect(try await t.get("/auth/me", token: user.token).status == .unauthorized)
            #expect(try await t.get("/auth/me", token: second).status == .unauthorized, "every earlier token ends")
            #expect(try await t.login(user.email, "my-new-password").status == .ok)
            #expect(try await t.login(user.email, user.password).status == .unauthorized)
            let weak = try await t.post("/auth/password", token: token, ["currentPassword": "my-new-password", "newPassword": "short"])
            #expect(weak.status == .badRequest && weak.errorFields == ["newPassword"])
            let extra = try await t.post("/auth/password", token: token,
                                         ["currentPassword": "my-new-password", "newPassword": "long-enough-1", "email": "x@y.z"])
            #expect(extra.status == .badRequest && extra.errorFields == ["email"])
            #expect(try await t.post("/auth/password", ["currentPassword": "a", "newPassword": "b"]).status == .unauthorized)
        }
    }

    @Test func loginRefusesUnknownKeys() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let res = try await t.post("/auth/login", ["email": user.email, "password": user.password, "remember": true])
            #expect(res.status == .badRequest && res.errorFields == ["remember"])
        }
    }

    /// Tokens signed with the server's own secret but not as it issues them.
    @Test func onlyHS256TokensIssuedInThePastAreAccepted() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let now = t.clock.now
            func claims(iat: Date = now, nbf: Date? = nil) -> UserToken {
                UserToken(sub: .init(value: user.id), exp: .init(value: now.addingTimeInterval(3600)), iat: .init(value: iat),
                          nbf: nbf.map { NotBeforeClaim(value: $0) }, jti: .init(value: UUID().uuidString),
                          role: "SALESPERSON", ver: 0)
            }
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: testJWTSecret), digestAlgorithm: .sha256)
            let good = try await keys.sign(claims())
            #expect(try await t.get("/auth/me", token: good).status == .ok, "control: made like the server makes them")

            let future = try await keys.sign(claims(iat: now.addingTimeInterval(3600)))
            #expect(try await t.get("/auth/me", token: future).status == .unauthorized, "issued in the future")
            let notYet = try await keys.sign(claims(nbf: now.addingTimeInterval(3600)))
            #expect(try await t.get("/auth/me", token: notYet).status == .unauthorized, "not valid before a future time")

            // The same secret under another algorithm (jwt-kit asserts a key as long as the digest: HS384 fits).
            let hs384Keys = JWTKeyCollection()
            await hs384Keys.add(hmac: HMACKey(from: testJWTSecret), digestAlgorithm: .sha384)
            let hs384 = try await hs384Keys.sign(claims())
            #expect(try await t.get("/auth/me", token: hs384).status == .unauthorized, "alg HS384")
            // The HS256 signature under a header that claims another algorithm.
            let parts = good.split(separator: ".")
            let header = Data(#"{"alg":"HS512","typ":"JWT"}"#.utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            #expect(try await t.get("/auth/me", token: "\(header).\(parts[1]).\(parts[2])").status == .unauthorized)
            let none = Data(#"{"alg":"none"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            #expect(try await t.get("/auth/me", token: "\(none).\(parts[1]).").status == .unauthorized)
        }
    }
}

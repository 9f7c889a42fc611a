import Crypto
import Foundation
import SQLKit
import Testing
import Vapor
@testable import NativeCRM

/// API keys for machines: made by an ADMIN and shown once, stored as a SHA-256, acting with their role
/// (or only on their scopes' endpoints), never managing users or keys, revoked at once everywhere.
@Suite("API keys")
struct APIKeyTests {
    @Test func anAdminMakesAKeyThatIsShownOnceAndStoredAsItsHash() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let made = try await t.post("/crm/api-keys", token: admin.token,
                                        ["name": "Website form", "role": "SECRETARIAT", "scopes": ["intake", "intake"]])
            #expect(made.status == .created, "\(made.text)")
            let key = made.json.string("key") ?? ""
            #expect(key.hasPrefix("crm_live_") && key.count == 9 + 43, "32 random bytes in base64url after the prefix")
            #expect(made.json.string("prefix") == String(key.prefix(15)))
            #expect(made.json["scopes"] as? [String] == ["intake"], "a scope given twice is kept once")
            #expect(made.json.string("role") == "SECRETARIAT" && made.json.isNull("lastUsedAt") && made.json.isNull("revokedAt"))

            let rows = try await t.app.db.sql.raw("SELECT key_hash, prefix FROM api_keys").all()
            #expect(rows.count == 1)
            let hash = SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(try rows[0].decode(column: "key_hash", as: String.self) == hash)

            let list = try await t.get("/crm/api-keys", token: admin.token)
            #expect(list.status == .ok)
            #expect(list.list.count == 1)
            #expect(list.list.first?["key"] == nil, "a list never shows the key")
            #expect(list.list.first?.string("name") == "Website form")
            #expect(!list.text.contains(key) && !list.text.contains(hash))

            let audit = try await t.get("/crm/audit?entityType=api_key", token: admin.token)
            #expect(audit.list.count == 1 && !audit.text.contains(key) && !audit.text.contains(hash), "\(audit.text)")
        }
    }

    @Test func aKeyActsWithItsRoleAndTheAuditTrailNamesIt() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let (keyID, key) = try await t.makeKey(admin.token, role: .secretariat)
            let me = try await t.get("/auth/me", token: key)
            #expect(me.status == .ok && me.json.string("id") == keyID && me.json.string("role") == "SECRETARIAT")

            let customer = try await t.post("/crm/customers", token: key, ["firstName": "Ada", "lastName": "Key"])
            #expect(customer.status == .created, "\(customer.text)")
            #expect(try await t.get("/crm/analytics/salesperson", token: key).status == .forbidden,
                    "a SECRETARIAT key has a SECRETARIAT's rights")
            let audit = try await t.get("/crm/audit?entityType=customer", token: admin.token)
            #expect(audit.list.first?.string("userId") == keyID, "\(audit.text)")
            let byKey = try await t.get("/crm/audit?userId=\(keyID)", token: admin.token).list
            #expect(!byKey.isEmpty && byKey.allSatisfy { $0.string("userId") == keyID })
        }
    }

    @Test func lastUsedAtMovesOnAtMostOnceAMinute() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let (_, key) = try await t.makeKey(admin.token)
            func lastUsed() async throws -> String? { try await t.get("/crm/api-keys", token: admin.token).list.first?.string("lastUsedAt") }
            #expect(try await lastUsed() == nil)
            _ = try await t.get("/auth/me", token: key)
            let first = try await lastUsed()
            #expect(first == Timestamp.format(t.clock.now))
            t.clock.advance(seconds: 30)
            _ = try await t.get("/auth/me", token: key)
            #expect(try await lastUsed() == first, "within a minute nothing is written")
            t.clock.advance(seconds: 31)
            _ = try await t.get("/auth/me", token: key)
            #expect(try await lastUsed() == Timestamp.format(t.clock.now))
        }
    }

    @Test func aKeyCannotManageUsersOrKeysNorActAsAPerson() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let (keyID, key) = try await t.makeKey(admin.token)
            let refused: [(HTTPMethod, String, [String: Any]?)] = [
                (.POST, "/crm/users", ["email": "x@clinic.test", "name": "X", "role": "ADMIN", "password": "password-1"]),
                (.GET, "/crm/users", nil), (.GET, "/crm/users/\(admin.id)", nil), (.GET, "/crm/users/\(keyID)", nil),
                (.PATCH, "/crm/users/\(admin.id)", ["active": false]),
                (.POST, "/crm/api-keys", ["name": "Another", "role": "ADMIN"]), (.GET, "/crm/api-keys", nil),
                (.DELETE, "/crm/api-keys/\(keyID)", nil),
                (.POST, "/auth/password", ["currentPassword": "x", "newPassword": "password-2"]),
                (.POST, "/auth/logout", nil), (.POST, "/crm/notifications/stream-ticket", nil),
            ]
            for (method, path, body) in refused {
                let response = try await t.request(method, path, token: key, json: body)
                #expect(response.status == .forbidden, "\(method) \(path): \(response.status.code)")
                #expect(response.isProblem)
            }
            #expect(try await t.get("/crm/users", token: admin.token).list.allSatisfy { $0.string("id") != keyID },
                    "keys are not among the users")
            #expect(try await t.get("/crm/users/\(keyID)", token: admin.token).status == .notFound)
            #expect(try await t.patch("/crm/users/\(keyID)", token: admin.token, ["role": "SALESPERSON"]).status == .notFound)
        }
    }

    @Test func aKeyIsNeverAssignedAnything() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let (keyID, _) = try await t.makeKey(admin.token, role: .salesperson)  // older than the salesperson: would win ties
            let seller = try await t.makeUser(.salesperson)
            let lead = try await t.post("/crm/leads", token: admin.token, ["source": "referral", "firstName": "Lia", "phone": "+41795550000"])
            #expect(lead.json.string("assignedSalesId") == seller.id, "\(lead.text)")
            let customer = try await t.post("/crm/customers", token: admin.token,
                                            ["firstName": "Ada", "lastName": "Key", "assignedSalesId": keyID])
            #expect(customer.status == .badRequest && customer.errorFields == ["assignedSalesId"])
            let analytics = try await t.get("/crm/analytics/salesperson?salespersonId=\(keyID)", token: admin.token)
            #expect(analytics.status == .notFound)
            #expect(try await t.login("key-\(keyID.lowercased())@api-keys.invalid", "!").status == .unauthorized)
        }
    }

    @Test func revokingEndsTheKeyAtOnceOnEveryInstance() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let (keyID, key) = try await t.makeKey(admin.token)
            try await t.withSecondInstance { second in
                #expect(try await second.get("/crm/customers", token: key).status == .ok)
                let revoked = try await t.request(.DELETE, "/crm/api-keys/\(keyID)", token: admin.token)
                #expect(revoked.status == .noContent)
                #expect(try await second.get("/crm/customers", token: key).status == .unauthorized)
                #expect(try await t.get("/crm/customers", token: key).status == .unauthorized)
            }
            #expect(try await t.request(.DELETE, "/crm/api-keys/\(keyID)", token: admin.token).status == .noContent,
                    "revoking again changes nothing")
            #expect(try await t.request(.DELETE, "/crm/api-keys/\(UUID())", token: admin.token).status == .notFound)
            let listed = try await t.get("/crm/api-keys", token: admin.token).list.first
            #expect(listed?.string("revokedAt") == Timestamp.format(t.clock.now))
        }
    }

    @Test func aScopedKeyReachesOnlyItsScope() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            _ = try await t.makeUser(.salesperson)
            let (_, intake) = try await t.makeKey(admin.token, role: .admin, scopes: ["intake"])
            let (_, unscoped) = try await t.makeKey(admin.token, role: .admin)
            let lead: [String: Any] = ["source": "website", "firstName": "Lia", "email": "lia@mail.test"]
            #expect(try await t.get("/crm/customers", token: intake).status == .forbidden, "an intake key reads nothing")
            #expect(try await t.get("/auth/me", token: intake).status == .forbidden)
            #expect(try await t.post("/crm/intake/leads", token: intake, lead).status == .created)
            #expect(try await t.post("/crm/intake/leads", token: unscoped, lead).status == .forbidden,
                    "intake needs the scope, not only the role")
            #expect(try await t.post("/crm/intake/leads", token: admin.token, lead).status == .forbidden, "people do not use intake")
        }
    }

    @Test func badKeysAndBadRequestsAreRefused() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let (_, key) = try await t.makeKey(admin.token)
            for token in ["crm_live_", "crm_live_" + String(repeating: "A", count: 43), String(key.dropLast()) + "x",
                          key + "x", "crm_live_" + String(repeating: "z", count: 5000)] {
                #expect(try await t.get("/crm/customers", token: token).status == .unauthorized, "\(token.prefix(20))")
            }
            let seller = try await t.makeUser(.salesperson)
            #expect(try await t.post("/crm/api-keys", token: seller.token, ["name": "K", "role": "ADMIN"]).status == .forbidden)
            let bad = try await t.post("/crm/api-keys", token: admin.token,
                                       ["name": " ", "role": "ROOT", "scopes": ["everything"], "extra": 1])
            #expect(bad.status == .badRequest)
            #expect(Set(bad.errorFields) == ["extra", "name", "role", "scopes[0]"], "\(bad.text)")
            #expect(try await t.app.db.sql.raw("SELECT COUNT(*) AS n FROM users").first()?.decode(column: "n", as: Int.self) == 3,
                    "nothing half-made")
        }
    }
}

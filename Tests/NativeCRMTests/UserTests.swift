import Fluent
import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Users")
struct UserTests {
    @Test func adminCreatesAUser() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let res = try await t.post("/crm/users", token: admin.token, [
                "email": "  Nina.Sales@Clinic.Test ", "name": "Nina Sales", "role": "SALESPERSON",
                "password": "s3cret-pass",
            ])
            #expect(res.status == .created)
            let body = res.json
            #expect(body["email"] as? String == "nina.sales@clinic.test")
            #expect(body["name"] as? String == "Nina Sales")
            #expect(body["role"] as? String == "SALESPERSON")
            #expect(body["active"] as? Bool == true)
            #expect(body["createdAt"] as? String == "2025-06-02T09:00:00.000Z")
            #expect(UUID(uuidString: body["id"] as? String ?? "") != nil)
            #expect(!res.text.contains("s3cret") && !res.text.contains("$2"))
            #expect(try await t.login("NINA.SALES@clinic.test", "s3cret-pass").status == .ok)
        }
    }

    @Test func duplicateEmailIgnoringCaseIsAConflict() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let body: [String: Any] = ["email": "dup@clinic.test", "name": "A", "role": "SECRETARIAT",
                                       "password": "password-1"]
            #expect(try await t.post("/crm/users", token: admin.token, body).status == .created)
            var again = body
            again["email"] = "DUP@Clinic.test"
            let res = try await t.post("/crm/users", token: admin.token, again)
            #expect(res.status == .conflict)
            #expect(res.isProblem)
            #expect(res.json["status"] as? Int == 409)
        }
    }

    @Test func createReportsEveryBadField() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let res = try await t.post("/crm/users", token: admin.token, [
                "email": "not-an-email", "name": "  ", "role": "SALESPERSON", "password": "short",
            ])
            #expect(res.status == .badRequest)
            #expect(Set(res.errorFields) == ["email", "name", "password"])
        }
    }

    @Test func pagingWalksEveryUserExactlyOnce() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            for i in 0..<11 {
                _ = try await t.makeUser(i.isMultiple(of: 2) ? .salesperson : .secretariat,
                                         email: "user\(String(format: "%02d", i))@clinic.test")
            }
            var seen: [String] = []
            var pages = 0
            var next: String? = "/crm/users?limit=4"
            while let path = next {
                let res = try await t.get(path, token: admin.token)
                #expect(res.status == .ok)
                #expect(!res.list.isEmpty, "no trailing empty page")
                seen += res.list.compactMap { $0["email"] as? String }
                next = res.nextLink
                pages += 1
            }
            #expect(pages == 3)  // 12 users: 4 + 4 + 4, and no Link on the last page
            #expect(seen.count == 12)
            #expect(Set(seen).count == 12)
            #expect(seen == seen.sorted())

            let exact = try await t.get("/crm/users?limit=12", token: admin.token)
            #expect(exact.list.count == 12)
            #expect(exact.nextLink == nil)
            var secretariat: [String] = []
            var filteredNext: String? = "/crm/users?role=SECRETARIAT&limit=2"
            while let path = filteredNext {
                let res = try await t.get(path, token: admin.token)
                #expect(res.list.allSatisfy { $0["role"] as? String == "SECRETARIAT" })
                secretariat += res.list.compactMap { $0["email"] as? String }
                filteredNext = res.nextLink
                if let link = filteredNext { #expect(link.contains("role=SECRETARIAT")) }
            }
            #expect(secretariat == ["user01@clinic.test", "user03@clinic.test", "user05@clinic.test",
                                    "user07@clinic.test", "user09@clinic.test"])
        }
    }

    @Test(arguments: ["limit=0", "limit=201", "limit=abc", "cursor=%%%", "cursor=bm90LWpzb24", "role=DOCTOR", "active=maybe"])
    func badListParametersAreNamed(_ query: String) async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let res = try await t.get("/crm/users?\(query)", token: admin.token)
            #expect(res.status == .badRequest)
            #expect(res.isProblem)
            #expect(res.errorFields == [String(query.split(separator: "=")[0])])
        }
    }

    @Test func adminUpdatesNameRoleAndActive() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let user = try await t.makeUser(.salesperson)
            t.clock.advance(seconds: 60)
            let res = try await t.patch("/crm/users/\(user.id)", token: admin.token,
                                        ["name": "Renamed", "role": "SECRETARIAT", "active": false])
            #expect(res.status == .ok)
            #expect(res.json["name"] as? String == "Renamed")
            #expect(res.json["role"] as? String == "SECRETARIAT")
            #expect(res.json["active"] as? Bool == false)
            #expect(res.json["updatedAt"] as? String == "2025-06-02T09:01:00.000Z")
            #expect(res.json["createdAt"] as? String == "2025-06-02T09:00:00.000Z")
            let partial = try await t.patch("/crm/users/\(user.id)", token: admin.token, ["active": true])
            #expect(partial.json["name"] as? String == "Renamed")
            #expect(partial.json["active"] as? Bool == true)
        }
    }

    @Test func updateRejectsUnknownAndMalformedIDs() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let missing = try await t.patch("/crm/users/\(UUID().uuidString)", token: admin.token, ["name": "X"])
            #expect(missing.status == .notFound)
            #expect(missing.isProblem)
            let malformed = try await t.patch("/crm/users/not-a-uuid", token: admin.token, ["name": "X"])
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorFields == ["id"])
            let badRole = try await t.patch("/crm/users/\(admin.id)", token: admin.token, ["role": "OWNER"])
            #expect(badRole.status == .badRequest)
            #expect(badRole.errorFields == ["role"])
        }
    }

    @Test func theLastActiveAdminStays() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let demote = try await t.patch("/crm/users/\(admin.id)", token: admin.token, ["role": "SALESPERSON"])
            #expect(demote.status == .conflict)
            let deactivate = try await t.patch("/crm/users/\(admin.id)", token: admin.token, ["active": false])
            #expect(deactivate.status == .conflict)
            let second = try await t.makeUser(.admin)
            #expect(try await t.patch("/crm/users/\(admin.id)", token: second.token, ["active": false]).status == .ok)
        }
    }

    /// Two managers demoting each other at the same moment: one wins, one admin remains.
    @Test func parallelDemotionsKeepOneAdmin() async throws {
        try await withCRM(databasePoolSize: 4) { (t: TestContext) async throws in
            let first = try await t.admin()
            let second = try await t.makeUser(.admin)
            async let a = t.patch("/crm/users/\(second.id)", token: first.token, ["role": "SALESPERSON"])
            async let b = t.patch("/crm/users/\(first.id)", token: second.token, ["role": "SALESPERSON"])
            let statuses = [try await a.status, try await b.status]
            #expect(statuses.filter { $0 == .ok }.count <= 1, "\(statuses)")
            let admins = try await User.query(on: t.app.db).filter(\.$role == .admin).filter(\.$active == true).count()
            #expect(admins == 1)
        }
    }

    @Test(arguments: [UserRole.salesperson, .secretariat])
    func onlyAdminsManageUsers(_ role: UserRole) async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(role)
            let create = try await t.post("/crm/users", token: user.token, [
                "email": "x@clinic.test", "name": "X", "role": "ADMIN", "password": "password-1",
            ])
            #expect(create.status == .forbidden)
            #expect(create.isProblem)
            #expect(try await t.get("/crm/users", token: user.token).status == .forbidden)
            #expect(try await t.patch("/crm/users/\(user.id)", token: user.token, ["role": "ADMIN"]).status == .forbidden)
            #expect(try await t.get("/auth/me", token: user.token).status == .ok)
        }
    }

    @Test func usersEndpointsNeedAToken() async throws {
        try await withCRM { (t: TestContext) async throws in
            #expect(try await t.get("/crm/users").status == .unauthorized)
            #expect(try await t.post("/crm/users", ["email": "a@b.co"]).status == .unauthorized)
            #expect(try await t.patch("/crm/users/\(UUID().uuidString)", ["name": "x"]).status == .unauthorized)
        }
    }
}

import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// Object-level authorisation (OWASP API1): knowing or guessing an id gives a salesperson nothing
/// beyond what the SPEC's role table allows.
@Suite("Object-level authorisation")
struct AuthorizationTests {
    @Test func anotherSalespersonsActionsAreInvisible() async throws {
        try await withCRM { (t: TestContext) async throws in
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(anna.token)
            let action = t.createdID(try await t.post("/crm/actions", token: anna.token,
                                                      ["customerId": customer, "actionType": "other", "title": "Anna's"]))
            #expect(try await t.get("/crm/actions/\(action)", token: ben.token).status == .notFound)
            #expect(try await t.put("/crm/actions/\(action)", token: ben.token, ["status": "completed"]).status == .notFound)
            #expect(try await t.get("/crm/actions?customerId=\(customer)", token: ben.token).list.isEmpty)
            #expect(try await t.get("/crm/actions?assignedTo=\(anna.id)", token: ben.token).list.isEmpty)
            #expect(try await t.record(ben.token, customer: customer)[list: "actions"].isEmpty)
            #expect(try await t.get("/crm/actions/\(action)", token: anna.token).json.string("status") == "pending")
            // The empty lists above are answers, not errors: the same queries show Anna her action.
            for path in ["/crm/actions?customerId=\(customer)", "/crm/actions?assignedTo=\(anna.id)"] {
                #expect(try await t.get(path, token: ben.token).status == .ok, "\(path)")
                #expect(try await t.get(path, token: anna.token).list.compactMap { $0.string("id") } == [action], "\(path)")
            }
            #expect(try await t.record(anna.token, customer: customer)[list: "actions"].compactMap { $0.string("id") } == [action])
        }
    }

    @Test func anotherUsersNotificationsCannotBeReadOrMarked() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            _ = try await t.post("/crm/leads", token: desk.token,
                                 ["source": "website", "firstName": "X", "email": "x@x.test", "assignedSalesId": anna.id])
            let note = try #require(try await t.get("/crm/notifications", token: anna.token).list.first?.string("id"))
            #expect(try await t.post("/crm/notifications/\(note)/read", token: ben.token, [:]).status == .notFound)
            #expect(try await t.post("/crm/notifications/\(note)/read", token: desk.token, [:]).status == .notFound)
            _ = try await t.post("/crm/notifications/read-all", token: ben.token, [:])
            #expect(try await t.get("/crm/notifications?unread=true", token: anna.token).list.count == 1)
            #expect(try await t.get("/crm/notifications", token: ben.token).list.isEmpty)
            #expect(try await t.get("/crm/notifications", token: ben.token).status == .ok)
        }
    }

    @Test func anotherSalespersonsLeadsAreReadOnly() async throws {
        try await withCRM { (t: TestContext) async throws in
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            let lead = t.createdID(try await t.post("/crm/leads", token: anna.token,
                                                    ["source": "referral", "firstName": "L", "email": "l@x.test"]))
            #expect(try await t.get("/crm/leads/\(lead)", token: ben.token).status == .ok)
            for body in [["status": "lost"], ["assignedSalesId": ben.id], ["notes": "x"], ["status": "converted"]] as [[String: Any]] {
                #expect(try await t.patch("/crm/leads/\(lead)", token: ben.token, body).status == .forbidden)
            }
            let after = try await t.get("/crm/leads/\(lead)", token: anna.token).json
            #expect(after.string("status") == "new" && after.string("assignedSalesId") == anna.id)
            #expect(after.isNull("convertedCustomerId"))
        }
    }

    @Test func anotherSalespersonsAnalyticsAndCustomersAreProtected() async throws {
        try await withCRM { (t: TestContext) async throws in
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(anna.token)
            #expect(try await t.get("/crm/analytics/salesperson?salespersonId=\(anna.id)", token: ben.token).status == .forbidden)
            #expect(try await t.patch("/crm/customers/\(customer)", token: ben.token, ["assignedSalesId": ben.id]).status == .forbidden)
            #expect(try await t.get("/crm/customers/\(customer)", token: ben.token).json.string("assignedSalesId") == anna.id)
        }
    }
}

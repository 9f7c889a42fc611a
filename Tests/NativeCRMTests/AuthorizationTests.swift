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

    /// Every read route that can show actions — lists, the record, the customer's audit timeline, the
    /// inbox and the live stream — hides another salesperson's action (as `GET /crm/actions/:id` does),
    /// while the front desk and managers see it.
    @Test func noReadRouteShowsAnotherSalespersonsAction() async throws {
        try await withCRM { (t: TestContext) async throws in
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            let desk = try await t.makeUser(.secretariat)
            let admin = try await t.admin()
            let customer = try await t.makeCustomer(desk.token, salesID: anna.id)
            let secret = "Discuss the allergy privately"
            let action = t.createdID(try await t.post("/crm/actions", token: anna.token, [
                "customerId": customer, "actionType": "phone_call", "title": secret,
                "description": "Anna's note", "dueDate": day(0, hour: 9),
            ]))
            _ = try await t.put("/crm/actions/\(action)", token: anna.token, ["priority": "high"])
            let bensStream = EventStreamClient()
            try await bensStream.connect(baseURL: t.baseURL, token: ben.token)
            t.clock.advance(seconds: 30 * 60)  // due soon, then overdue: notifications go to Anna only
            _ = try await SendTimedNotificationsJob(db: t.app.db, clock: t.app.clock, reminderMinutes: 15).run(at: t.clock.now)

            let paths = ["/crm/actions", "/crm/actions?customerId=\(customer)", "/crm/actions/pending",
                         "/crm/customers/\(customer)/record", "/crm/customers/\(customer)/audit", "/crm/notifications"]
            for path in paths {
                let seen = try await t.get(path, token: ben.token)
                #expect(seen.status == .ok, "\(path)")
                #expect(!seen.text.contains(secret) && !seen.text.contains(action.lowercased()) && !seen.text.contains(action),
                        "Ben sees Anna's action through \(path)")
            }
            let timeline = try await t.get("/crm/customers/\(customer)/audit", token: ben.token).list
            #expect(!timeline.isEmpty && !timeline.contains { $0.string("entityType") == "action" },
                    "the rest of the history stays visible")
            #expect(try await t.get("/crm/actions/\(action)", token: ben.token).status == .notFound)
            let streamed = await bensStream.waitForEvents(1, timeout: .seconds(1))
            #expect(!streamed.contains { $0.data.contains(secret) })
            bensStream.disconnect()
            // Positive controls: the owner, the front desk and a manager see it on the timeline.
            for viewer in [anna, desk, admin] {
                let entries = try await t.get("/crm/customers/\(customer)/audit", token: viewer.token).list
                #expect(entries.filter { $0.string("entityType") == "action" && $0.string("entityId") == action }.count == 2,
                        "\(viewer.role.rawValue)")
            }
            #expect(try await t.get("/crm/notifications", token: anna.token).text.contains(secret))
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

import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// `GET /crm/customers/:id/timeline`: one list of a customer's appointments, communications, actions
/// and the other changes to their data, newest first, keyset-paged.
@Suite("Customer timeline")
struct TimelineTests {
    /// The id of the object a timeline item carries (the one its `kind` names).
    private func itemID(_ item: [String: Any]) -> String? {
        guard let kind = item.string("kind") else { return nil }
        return item[object: kind].string("id")
    }

    @Test func everyKindNewestFirstPagedWithoutGapsOrRepeats() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            // Everything below happens at the test clock's one instant: ties across kinds must page too.
            let past = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                               clinic: s.clinic, start: day(-30), status: "completed"))
            let future = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                                 clinic: s.clinic, start: day(7)))
            let call = t.createdID(try await t.logCommunication(s.sales.token, customer: customer, occurredAt: day(-2)))
            let task = t.createdID(try await t.post("/crm/actions", token: s.sales.token,
                                                    ["customerId": customer, "actionType": "other", "title": "Send the price list"]))
            let tag = t.createdID(try await t.post("/crm/tags", token: try await t.admin().token, ["name": "VIP"]))
            _ = t.createdID(try await t.post("/crm/customers/\(customer)/tags", token: s.sales.token, ["tagId": tag]))
            t.clock.advance(seconds: 60)
            let edited = try await t.put("/crm/customers/\(customer)/record", token: s.sales.token, ["notes": "Prefers mornings"])
            #expect(edited.status == .ok, "\(edited.text)")
            let confirmed = try await t.patch("/crm/appointments/\(future)", token: s.desk.token, ["status": "confirmed"])
            #expect(confirmed.status == .ok, "\(confirmed.text)")

            let whole = try await t.get("/crm/customers/\(customer)/timeline?limit=200", token: s.sales.token)
            #expect(whole.status == .ok, "\(whole.text)")
            #expect(whole.nextLink == nil)
            let items = whole.list
            // Newest first by `at`.
            let times = items.compactMap { $0.string("at") }.map { Timestamp.parse($0)! }
            #expect(times.count == items.count)
            #expect(times == times.sorted(by: >))
            // Each row once, as its own kind; the creation of appointments, communications and actions
            // is the row itself, not a change.
            #expect(items.filter { $0.string("kind") == "appointment" }.compactMap(itemID).sorted() == [past, future].sorted())
            #expect(items.filter { $0.string("kind") == "communication" }.compactMap(itemID) == [call])
            let actions = items.filter { $0.string("kind") == "action" }
            #expect(actions.compactMap(itemID).contains(task))
            let changes = items.filter { $0.string("kind") == "change" }.map { $0[object: "change"] }
            #expect(!changes.contains { $0.string("action") == "create"
                && ["appointment", "communication", "action"].contains($0.string("entityType") ?? "") })
            #expect(changes.contains { $0.string("entityType") == "customer" && $0.string("action") == "create" })
            #expect(changes.contains { $0.string("entityType") == "customer_tag" })
            #expect(changes.contains { $0.string("entityType") == "customer_record" && $0.string("action") == "update" })
            #expect(changes.contains { $0.string("entityType") == "appointment" && $0.string("action") == "update"
                && $0.string("entityId") == future })
            // The future appointment is the newest item; the completed one's time is its start.
            #expect(itemID(items[0]) == future)
            #expect(items.first { itemID($0) == past }?.string("at") == day(-30))
            // Every item carries every key: the one its kind names set, the others null.
            for item in items {
                let kind = item.string("kind")!
                for key in ["appointment", "communication", "action", "change"] {
                    #expect(key == kind ? item[key] is [String: Any] : item.isNull(key), "\(kind): \(key)")
                }
            }
            // One item per page gives the same list: no gap, no repeat, even between items of one instant.
            let paged = try await t.collect("/crm/customers/\(customer)/timeline?limit=1", token: s.sales.token)
            #expect(paged.compactMap(itemID) == items.compactMap(itemID))
            #expect(paged.map { $0.string("kind") } == items.map { $0.string("kind") })
            let byThree = try await t.collect("/crm/customers/\(customer)/timeline?limit=3", token: s.sales.token)
            #expect(byThree.compactMap(itemID) == items.compactMap(itemID))
        }
    }

    /// Another salesperson's task on the customer is neither an item nor a change on the timeline.
    @Test func anotherSalespersonsActionIsNotOnMyTimeline() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let other = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let theirs = t.createdID(try await t.post("/crm/actions", token: other.token,
                                                      ["customerId": customer, "actionType": "other", "title": "Private"]))
            let updated = try await t.request(.PUT, "/crm/actions/\(theirs)", token: other.token, json: ["status": "completed"])
            #expect(updated.status == .ok, "\(updated.text)")
            let mine = try await t.collect("/crm/customers/\(customer)/timeline?limit=2", token: s.sales.token)
            #expect(!mine.isEmpty)
            #expect(!mine.contains { itemID($0) == theirs })
            #expect(!mine.contains { $0[object: "change"].string("entityId") == theirs })
            // Its author and a manager see it, with its completion as a change.
            let admin = try await t.admin()
            for token in [other.token, admin.token] {
                let all = try await t.collect("/crm/customers/\(customer)/timeline?limit=2", token: token)
                #expect(all.contains { itemID($0) == theirs })
                #expect(all.contains { $0[object: "change"].string("entityId") == theirs })
            }
        }
    }

    @Test func badCursorAndLimitAre400AndAnUnknownCustomer404() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            // A cursor of another list (two values) is not a timeline cursor.
            let foreign = Cursor([Cursor.timestamp(t.clock.now), UUID().uuidString]).encoded
            for (query, field) in [("cursor=\(foreign)", "cursor"), ("cursor=nonsense", "cursor"), ("limit=0", "limit"),
                                   ("limit=201", "limit")] {
                let response = try await t.get("/crm/customers/\(customer)/timeline?\(query)", token: s.sales.token)
                #expect(response.status == .badRequest, "\(query): \(response.text)")
                #expect(response.isProblem && response.errorFields == [field], "\(query): \(response.text)")
            }
            let missing = try await t.get("/crm/customers/\(UUID())/timeline", token: s.sales.token)
            #expect(missing.status == .notFound)
            let anonymous = try await t.get("/crm/customers/\(customer)/timeline")
            #expect(anonymous.status == .unauthorized)
        }
    }
}

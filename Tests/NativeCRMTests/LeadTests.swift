import Fluent
import Foundation
import NIOConcurrencyHelpers
import Testing
import Vapor
@testable import NativeCRM

/// Remembers every lead assignment event, to prove all assignments pass through the one hook.
final class RecordingEvents: ActivityEvents, @unchecked Sendable {
    private let assignments = NIOLockedValueBox<[(lead: UUID, assignee: UUID)]>([])

    var leadAssignments: [(lead: UUID, assignee: UUID)] { assignments.withLockedValue { $0 } }

    func missedCall(_ communication: Communication, recipient: UUID, on db: any Database) async throws {}

    func leadAssigned(_ lead: Lead, assignee: UUID, on db: any Database) async throws {
        assignments.withLockedValue { $0.append((lead.id!, assignee)) }
    }
}

@Suite("Leads")
struct LeadTests {
    let seedBody: [String: Any] = [
        "source": "facebook_ads", "firstName": "Jane", "lastName": "Smith", "email": "jane@example.com",
        "phone": "+1234567890", "status": "new", "notes": "Interested in botox treatment", "estimatedValue": 500.00,
        "metadata": [:] as [String: Any],
    ]

    @Test func createWithTheSeedBodyGoesToTheLeastLoadedSalesperson() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let sales = try await t.makeUser(.salesperson)
            let res = try await t.post("/crm/leads", token: admin.token, seedBody)
            #expect(res.status == .created)
            let lead = res.json
            #expect(lead.string("source") == "facebook_ads")
            #expect(lead.string("firstName") == "Jane" && lead.string("lastName") == "Smith")
            #expect(lead.string("email") == "jane@example.com")
            #expect(lead.string("phone") == "+1234567890")
            #expect(lead.string("status") == "new")
            #expect(lead.number("estimatedValue") == 500)
            #expect(lead.string("assignedSalesId") == sales.id)
            #expect(lead.isNull("convertedCustomerId") && lead.isNull("lostReason"))
            let shown = try await t.get("/crm/leads/\(lead.string("id")!)", token: sales.token)
            #expect(shown.json.string("id") == lead.string("id"))
            #expect(try await t.get("/crm/leads/\(UUID().uuidString)", token: sales.token).status == .notFound)
        }
    }

    @Test func aSalespersonsLeadIsTheirOwn() async throws {
        try await withCRM { (t: TestContext) async throws in
            _ = try await t.makeUser(.salesperson)
            let me = try await t.makeUser(.salesperson)
            let res = try await t.post("/crm/leads", token: me.token, ["source": "walk_in", "firstName": "Walk", "phone": "079 123 45 67"])
            #expect(res.json.string("assignedSalesId") == me.id)
            #expect(res.json.string("phone") == "0791234567")
            let other = try await t.post("/crm/leads", token: me.token,
                                         ["source": "walk_in", "firstName": "X", "phone": "0791234567", "assignedSalesId": UUID().uuidString])
            #expect(other.errorFields == ["assignedSalesId"])
        }
    }

    @Test func inputIsValidatedAndPhonesNormalised() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            func post(_ body: [String: Any]) async throws -> APIResponse { try await t.post("/crm/leads", token: desk.token, body) }
            #expect(try await post(["source": "website", "lastName": "X", "email": "a@b.co"]).errorFields == ["firstName"])
            #expect(try await post(["source": "website", "firstName": "A"]).errorFields == ["email"])
            #expect(try await post(["source": "website", "firstName": "A", "email": "not-mail"]).errorFields == ["email"])
            #expect(try await post(["source": "website", "firstName": "A", "phone": "+12"]).errorFields == ["phone"])
            #expect(try await post(["source": "website", "firstName": "A", "phone": "call me"]).errorFields == ["phone"])
            let badSource = try await post(["source": "tiktok", "firstName": "A", "email": "a@b.co"])
            #expect(badSource.errorFields == ["source"])
            #expect(badSource.json[list: "errors"].first?.string("message")?.contains("walk_in") == true)
            #expect(try await post(["source": "website", "firstName": "A", "email": "a@b.co", "status": "converted"]).errorFields == ["status"])
            #expect(try await post(["source": "website", "firstName": "A", "email": "a@b.co", "estimatedValue": -1]).errorFields == ["estimatedValue"])
            let e164 = try await post(["source": "referral", "firstName": "A", "phone": "0041 (79) 555-12-34"])
            #expect(e164.json.string("phone") == "+41795551234")
            let email = try await post(["source": "referral", "firstName": "B", "email": " Mixed.Case@Example.COM "])
            #expect(email.json.string("email") == "mixed.case@example.com")
        }
    }

    @Test func automaticAssignmentIsFairAndDeterministic() async throws {
        let events = RecordingEvents()
        try await withCRM(events: events) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let first = try await t.makeUser(.salesperson)
            t.clock.advance(seconds: 1)
            let second = try await t.makeUser(.salesperson)
            t.clock.advance(seconds: 1)
            let third = try await t.makeUser(.salesperson)
            let retired = try await t.makeUser(.salesperson)
            _ = try await t.patch("/crm/users/\(retired.id)", token: admin.token, ["active": false])
            _ = try await t.makeUser(.secretariat)
            var order: [String] = []
            for i in 0..<9 {
                let res = try await t.post("/crm/leads", token: admin.token,
                                           ["source": "website", "firstName": "L\(i)", "email": "l\(i)@mail.test"])
                order.append(res.json.string("assignedSalesId") ?? "")
            }
            #expect(Array(order.prefix(3)) == [first.id, second.id, third.id], "ties go to the longest-serving")
            for user in [first, second, third] { #expect(order.filter { $0 == user.id }.count == 3) }
            #expect(!order.contains(retired.id))
            // A closed lead no longer counts as load.
            let firstsLead = try await t.get("/crm/leads?assignedSalesId=\(first.id)&limit=1", token: admin.token).list[0]
            _ = try await t.patch("/crm/leads/\(firstsLead.string("id")!)", token: admin.token, ["status": "lost"])
            let next = try await t.post("/crm/leads", token: admin.token, ["source": "website", "firstName": "N", "email": "n@mail.test"])
            #expect(next.json.string("assignedSalesId") == first.id)
            #expect(events.leadAssignments.count == 10)
            #expect(events.leadAssignments.last?.assignee.uuidString == first.id)
            // Not a tie-break: closing the last-in-line salesperson's lead sends the next one there.
            let thirdsLead = try await t.get("/crm/leads?assignedSalesId=\(third.id)&limit=1", token: admin.token).list[0]
            _ = try await t.patch("/crm/leads/\(thirdsLead.string("id")!)", token: admin.token, ["status": "lost"])
            let after = try await t.post("/crm/leads", token: admin.token, ["source": "website", "firstName": "M", "email": "m@mail.test"])
            #expect(after.json.string("assignedSalesId") == third.id)
        }
    }

    @Test func concurrentCreationStaysBalanced() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            let statuses = try await withThrowingTaskGroup(of: (HTTPStatus, String).self) { group in
                for i in 0..<12 {
                    group.addTask {
                        let res = try await t.post("/crm/leads", token: admin.token,
                                                   ["source": "google_ads", "firstName": "P\(i)", "email": "p\(i)@mail.test"])
                        return (res.status, res.json.string("assignedSalesId") ?? "")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0.0 == .created })
            #expect(statuses.filter { $0.1 == anna.id }.count == 6)
            #expect(statuses.filter { $0.1 == ben.id }.count == 6)
        }
    }

    @Test func listFiltersSearchesAndPagesNewestFirst() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let specs: [(String, String, String?, String?)] = [
                ("facebook_ads", "Jane", "jane@example.com", nil), ("google_ads", "Jon", nil, "+41 79 111 22 33"),
                ("referral", "Zoë", "zoe@EXAMPLE.org", nil), ("website", "Max", "max@site.test", "0791234567"),
            ]
            var ids: [String] = []
            for (source, name, email, phone) in specs {
                var body: [String: Any] = ["source": source, "firstName": name, "lastName": "Lead"]
                if let email { body["email"] = email }
                if let phone { body["phone"] = phone }
                ids.append(t.createdID(try await t.post("/crm/leads", token: desk.token, body)))
                t.clock.advance(seconds: 60)
            }
            let all = try await t.get("/crm/leads", token: sales.token).list
            #expect(all.compactMap { $0.string("id") } == ids.reversed())
            #expect(try await t.collect("/crm/leads?limit=3", token: sales.token).count == 4)
            func search(_ q: String) async throws -> [String] {
                let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q
                return try await t.get("/crm/leads?search=\(encoded)", token: sales.token).list.compactMap { $0.string("firstName") }
            }
            #expect(try await search("JANE") == ["Jane"])
            #expect(try await search("zoË") == ["Zoë"])
            #expect(try await search("example") == ["Zoë", "Jane"])
            #expect(try await search("111 22 33") == ["Jon"])
            #expect(try await search("079 123") == ["Max"])
            #expect(try await search("lead").count == 4)
            let google = try await t.get("/crm/leads?source=google_ads", token: sales.token).list
            #expect(google.compactMap { $0.string("firstName") } == ["Jon"])
            _ = try await t.patch("/crm/leads/\(ids[0])", token: desk.token, ["status": "qualified"])
            #expect(try await t.get("/crm/leads?status=qualified", token: sales.token).list.count == 1)
            #expect(try await t.get("/crm/leads?assignedSalesId=\(sales.id)", token: sales.token).list.count == 4)
            #expect(try await t.get("/crm/leads?status=won", token: sales.token).errorFields == ["status"])
            #expect(try await t.get("/crm/leads?source=radio", token: sales.token).errorFields == ["source"])
        }
    }

    @Test func salespeopleUpdateTheirOwnOrClaimUnassignedLeads() async throws {
        let events = RecordingEvents()
        try await withCRM(events: events) { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            // No salesperson yet: the lead stays unassigned.
            let free = t.createdID(try await t.post("/crm/leads", token: desk.token,
                                                    ["source": "website", "firstName": "Free", "email": "free@mail.test"]))
            #expect(try await t.get("/crm/leads/\(free)", token: desk.token).json.isNull("assignedSalesId"))
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            let annas = t.createdID(try await t.post("/crm/leads", token: anna.token,
                                                     ["source": "walk_in", "firstName": "Own", "email": "own@mail.test"]))
            let update = try await t.patch("/crm/leads/\(annas)", token: anna.token,
                                           ["status": "contacted", "notes": "Customer scheduled consultation", "estimatedValue": 750.00])
            #expect(update.status == .ok)
            #expect(update.json.string("status") == "contacted")
            #expect(update.json.number("estimatedValue") == 750)
            #expect(try await t.patch("/crm/leads/\(annas)", token: ben.token, ["notes": "mine now"]).status == .forbidden)
            #expect(try await t.patch("/crm/leads/\(annas)", token: anna.token, ["assignedSalesId": ben.id]).status == .forbidden)
            #expect(try await t.patch("/crm/leads/\(free)", token: ben.token, ["assignedSalesId": anna.id]).status == .forbidden)
            let claimed = try await t.patch("/crm/leads/\(free)", token: ben.token, ["assignedSalesId": ben.id])
            #expect(claimed.json.string("assignedSalesId") == ben.id)
            #expect(try await t.patch("/crm/leads/\(free)", token: anna.token, ["notes": "x"]).status == .forbidden)
            let moved = try await t.patch("/crm/leads/\(free)", token: desk.token, ["assignedSalesId": anna.id])
            #expect(moved.json.string("assignedSalesId") == anna.id)
            #expect(try await t.patch("/crm/leads/\(free)", token: desk.token, ["assignedSalesId": desk.id]).errorFields == ["assignedSalesId"])
            let assignees = events.leadAssignments.map { $0.assignee.uuidString }
            #expect(assignees == [anna.id, ben.id, anna.id], "create, claim and reassignment each raise one event")

            // Only the front desk or a manager unassigns; a refused edit leaves the lead's version alone.
            let etag = try await t.get("/crm/leads/\(annas)", token: anna.token).headers.first(name: .eTag)
            let unassign = try await t.patch("/crm/leads/\(annas)", token: anna.token, ["assignedSalesId": NSNull()])
            #expect(unassign.status == .forbidden)
            let after = try await t.get("/crm/leads/\(annas)", token: anna.token)
            #expect(after.headers.first(name: .eTag) == etag)
            #expect(after.json.string("assignedSalesId") == anna.id)
        }
    }

    @Test func conversionCreatesTheCustomerOnceAndLinksExistingOnes() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let lead = t.createdID(try await t.post("/crm/leads", token: desk.token, seedBody))
            let converted = try await t.patch("/crm/leads/\(lead)", token: sales.token, ["status": "converted"])
            #expect(converted.status == .ok)
            let customerID = try #require(converted.json.string("convertedCustomerId"))
            let customer = try await t.get("/crm/customers/\(customerID)", token: sales.token).json
            #expect(customer.string("firstName") == "Jane" && customer.string("email") == "jane@example.com")
            #expect(customer.string("assignedSalesId") == sales.id)
            #expect(try await t.record(sales.token, customer: customerID)[object: "record"].string("customerStatus") == "new")
            let again = try await t.patch("/crm/leads/\(lead)", token: sales.token, ["status": "converted"])
            #expect(again.json.string("convertedCustomerId") == customerID)
            #expect(try await t.get("/crm/customers", token: desk.token).list.count == 1)
            #expect(try await t.patch("/crm/leads/\(lead)", token: sales.token, ["status": "new"]).status == .conflict)

            let byEmail = t.createdID(try await t.post("/crm/leads", token: desk.token,
                                                       ["source": "referral", "firstName": "J", "email": "JANE@example.com"]))
            let linked = try await t.patch("/crm/leads/\(byEmail)", token: desk.token, ["status": "converted"])
            #expect(linked.json.string("convertedCustomerId") == customerID)
            let byPhone = t.createdID(try await t.post("/crm/leads", token: desk.token,
                                                       ["source": "referral", "firstName": "J", "phone": "+1 234 567 890"]))
            let linkedByPhone = try await t.patch("/crm/leads/\(byPhone)", token: desk.token, ["status": "converted"])
            #expect(linkedByPhone.json.string("convertedCustomerId") == customerID)
            #expect(try await t.get("/crm/customers", token: desk.token).list.count == 1)
        }
    }

    /// Converting and reassigning in one edit: the new customer belongs to the lead's new salesperson.
    @Test func convertingWhileReassigningGivesTheCustomerTheNewSalesperson() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let first = try await t.makeUser(.salesperson)
            let second = try await t.makeUser(.salesperson)
            let lead = t.createdID(try await t.post("/crm/leads", token: desk.token, [
                "source": "referral", "firstName": "Mia", "lastName": "Roth", "email": "mia@lead.test", "assignedSalesId": first.id,
            ]))
            let converted = try await t.patch("/crm/leads/\(lead)", token: desk.token,
                                              ["status": "converted", "assignedSalesId": second.id])
            #expect(converted.status == .ok)
            #expect(converted.json.string("assignedSalesId") == second.id)
            let customer = try #require(converted.json.string("convertedCustomerId"))
            #expect(try await t.get("/crm/customers/\(customer)", token: desk.token).json.string("assignedSalesId") == second.id)
        }
    }

    @Test func lostKeepsAnOptionalReason() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let lead = t.createdID(try await t.post("/crm/leads", token: desk.token, seedBody))
            let lost = try await t.patch("/crm/leads/\(lead)", token: desk.token, ["status": "lost", "lostReason": "Chose another clinic"])
            #expect(lost.json.string("status") == "lost")
            #expect(lost.json.string("lostReason") == "Chose another clinic")
            let plain = t.createdID(try await t.post("/crm/leads", token: desk.token, seedBody))
            #expect(try await t.patch("/crm/leads/\(plain)", token: desk.token, ["status": "lost"]).json.isNull("lostReason"))
            let reopened = try await t.patch("/crm/leads/\(lead)", token: desk.token, ["status": "qualified"])
            #expect(reopened.json.isNull("lostReason"))
            #expect(try await t.patch("/crm/leads/\(lead)", token: desk.token, ["status": "won"]).errorFields == ["status"])
            #expect(try await t.patch("/crm/leads/\(lead)", token: desk.token, ["email": NSNull(), "phone": NSNull()]).status == .badRequest)
        }
    }
}

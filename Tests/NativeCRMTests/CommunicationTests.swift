import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Communications")
struct CommunicationTests {
    @Test func loggingACallReturnsTheEntryAndUpdatesTheRecord() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let res = try await t.post("/crm/communications", token: sales.token, [
                "customerId": customer, "type": "call", "direction": "outgoing", "status": "completed",
                "subject": "Follow-up on treatment interest", "notes": "Customer confirmed booking for next week",
                "durationSeconds": 420, "metadata": ["channel": "mobile"],
            ])
            #expect(res.status == .created)
            let body = res.json
            #expect(body.string("type") == "call")
            #expect(body.string("direction") == "outgoing")
            #expect(body.int("durationSeconds") == 420)
            #expect(body.string("occurredAt") == "2025-06-02T09:00:00.000Z")
            #expect(body.string("loggedBy") == sales.id)
            #expect(body[object: "metadata"].string("channel") == "mobile")
            #expect(body.isNull("scheduledAt"))
            let record = try await t.record(sales.token, customer: customer)[object: "record"]
            #expect(record.string("lastContactDate") == "2025-06-02T09:00:00.000Z")
            #expect(record.string("customerStatus") == "contacted")
        }
    }

    @Test func onlyARealContactMovesNewToContactedAndOnlyFromNew() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            _ = try await t.logCommunication(sales.token, customer: customer, type: "note", direction: nil)
            _ = try await t.logCommunication(sales.token, customer: customer, status: "no_answer")
            #expect(try await t.record(sales.token, customer: customer)[object: "record"].string("customerStatus") == "new")
            let vip = try await t.makeCustomer(sales.token)
            _ = try await t.put("/crm/customers/\(vip)/record", token: sales.token, ["customerStatus": "vip"])
            _ = try await t.logCommunication(sales.token, customer: vip)
            #expect(try await t.record(sales.token, customer: vip)[object: "record"].string("customerStatus") == "vip")
        }
    }

    @Test(arguments: [("missed", "missed"), ("incoming", "missed"), ("missed", "no_answer")])
    func aMissedCallCreatesAReturnCallForTheSalesperson(direction: String, status: String) async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(desk.token, salesID: sales.id)
            let res = try await t.logCommunication(desk.token, customer: customer, direction: direction, status: status)
            #expect(res.status == .created)
            let pending = try await t.get("/crm/actions/pending", token: sales.token).list
            #expect(pending.count == 1)
            let action = try #require(pending.first)
            #expect(action.string("title") == "Return missed call")
            #expect(action.string("priority") == "high")
            #expect(action.string("actionType") == "phone_call")
            #expect(action.string("assignedTo") == sales.id)
            #expect(action.string("dueDate") == "2025-06-02T10:00:00.000Z")
        }
    }

    @Test func aMissedCallOfAnUnassignedCustomerGoesToTheLogger() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let customer = try await t.makeCustomer(desk.token)
            _ = try await t.logCommunication(desk.token, customer: customer, direction: "incoming", status: "missed")
            let pending = try await t.get("/crm/actions/pending", token: desk.token).list
            #expect(pending.first?.string("assignedTo") == desk.id)
            _ = try await t.logCommunication(desk.token, customer: customer, direction: "incoming", status: "completed")
            _ = try await t.logCommunication(desk.token, customer: customer, type: "sms", direction: "missed", status: "missed")
            #expect(try await t.get("/crm/actions/pending", token: desk.token).list.count == 1)
        }
    }

    @Test func inputIsValidated() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let scheduled = try await t.logCommunication(sales.token, customer: customer, status: "scheduled")
            #expect(scheduled.errorFields == ["scheduledAt"])
            let negative = try await t.logCommunication(sales.token, customer: customer, extra: ["durationSeconds": -1])
            #expect(negative.errorFields == ["durationSeconds"])
            let unknown = try await t.logCommunication(sales.token, customer: UUID().uuidString)
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorFields == ["customerId"])
            let badType = try await t.logCommunication(sales.token, customer: customer, type: "fax")
            #expect(badType.errorFields == ["type"])
            #expect(badType.json[list: "errors"].first?.string("message")?.contains("whatsapp") == true)
            let badDirection = try await t.logCommunication(sales.token, customer: customer, direction: "sideways")
            #expect(badDirection.errorFields == ["direction"])
            let badWhen = try await t.logCommunication(sales.token, customer: customer, occurredAt: "2025-13-01T00:00:00Z")
            #expect(badWhen.errorFields == ["occurredAt"])
            let ok = try await t.logCommunication(sales.token, customer: customer, status: "scheduled",
                                                  extra: ["scheduledAt": "2025-06-05T10:00:00.000+02:00", "durationSeconds": 0])
            #expect(ok.status == .created)
            #expect(ok.json.string("scheduledAt") == "2025-06-05T08:00:00.000Z")
            #expect(ok.json.string("occurredAt") == "2025-06-05T08:00:00.000Z")
            #expect(try await t.get("/crm/customers/\(customer)/communications", token: sales.token).list.count == 1)
        }
    }

    @Test func historyIsNewestFirstWithTypeAndInclusiveDateFilters() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let other = try await t.makeCustomer(sales.token)
            _ = try await t.logCommunication(sales.token, customer: customer, type: "call", occurredAt: "2025-05-01T00:00:00Z")
            _ = try await t.logCommunication(sales.token, customer: customer, type: "email", occurredAt: "2025-05-10T12:00:00Z")
            _ = try await t.logCommunication(sales.token, customer: customer, type: "call", occurredAt: "2025-05-20T23:59:59Z")
            _ = try await t.logCommunication(sales.token, customer: customer, type: "call", occurredAt: "2025-05-21T00:00:00Z")
            _ = try await t.logCommunication(sales.token, customer: other, type: "call", occurredAt: "2025-05-15T00:00:00Z")
            let path = "/crm/customers/\(customer)/communications"
            let all = try await t.get(path, token: sales.token).list
            #expect(all.compactMap { $0.string("occurredAt") } == [
                "2025-05-21T00:00:00.000Z", "2025-05-20T23:59:59.000Z", "2025-05-10T12:00:00.000Z", "2025-05-01T00:00:00.000Z",
            ])
            let calls = try await t.get("\(path)?type=call", token: sales.token).list
            #expect(calls.count == 3 && calls.allSatisfy { $0.string("type") == "call" })
            let range = try await t.get("\(path)?startDate=2025-05-01&endDate=2025-05-20", token: sales.token).list
            #expect(range.compactMap { $0.string("occurredAt") } == [
                "2025-05-20T23:59:59.000Z", "2025-05-10T12:00:00.000Z", "2025-05-01T00:00:00.000Z",
            ])
            let oneDay = try await t.get("\(path)?startDate=2025-05-21&endDate=2025-05-21", token: sales.token).list
            #expect(oneDay.count == 1)
            let paged = try await t.collect("\(path)?limit=1", token: sales.token)
            #expect(paged.count == 4)
            let whole = try await t.get(path, token: sales.token).list
            #expect(paged.compactMap { $0.string("id") } == whole.compactMap { $0.string("id") }, "each once, newest first")
            #expect(try await t.get("\(path)?startDate=2025-05-22&endDate=2025-05-01", token: sales.token).errorFields == ["endDate"])
            #expect(try await t.get("\(path)?startDate=May", token: sales.token).errorFields == ["startDate"])
            #expect(try await t.get("\(path)?type=fax", token: sales.token).errorFields == ["type"])
            #expect(try await t.get("/crm/customers/\(UUID().uuidString)/communications", token: sales.token).status == .notFound)
        }
    }
}

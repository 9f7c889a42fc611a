import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Actions")
struct ActionTests {
    @Test func createWithTheSeedBody() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let res = try await t.post("/crm/actions", token: sales.token, [
                "customerId": customer, "actionType": "follow_up", "title": "Confirm appointment",
                "description": "Call to confirm appointment 24 hours before", "status": "pending", "priority": "high",
                "dueDate": "2025-06-02T10:30:00Z", "metadata": ["callOutcome": "interested", "nextSteps": "Schedule consultation"],
            ])
            #expect(res.status == .created)
            let body = res.json
            #expect(body.string("actionType") == "follow_up")
            #expect(body.string("priority") == "high")
            #expect(body.string("assignedTo") == sales.id)
            #expect(body.string("createdBy") == sales.id)
            #expect(body.isNull("completedAt"))
            #expect(body.bool("isOverdue") == false)
            #expect(body.int("secondsUntilDue") == 5_400)
            #expect(body[object: "metadata"].string("nextSteps") == "Schedule consultation")
        }
    }

    @Test func defaultsAssignToTheCustomersSalespersonWhenFrontDeskCreates() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(desk.token, salesID: sales.id)
            let res = try await t.post("/crm/actions", token: desk.token,
                                       ["customerId": customer, "actionType": "phone_call", "title": "Call back"])
            #expect(res.json.string("assignedTo") == sales.id)
            #expect(res.json.string("status") == "pending")
            #expect(res.json.string("priority") == "medium")
            #expect(res.json.isNull("dueDate") && res.json.isNull("secondsUntilDue"))
        }
    }

    @Test func completingStampsCompletedAtReopeningClearsItAndMetadataMerges() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let id = t.createdID(try await t.post("/crm/actions", token: sales.token, [
                "customerId": customer, "actionType": "phone_call", "title": "Call", "metadata": ["a": 1, "b": 2],
            ]))
            t.clock.advance(seconds: 120)
            let done = try await t.put("/crm/actions/\(id)", token: sales.token, [
                "status": "completed", "metadata": ["callOutcome": "appointment_scheduled", "b": NSNull()],
            ])
            #expect(done.status == .ok)
            #expect(done.json.string("completedAt") == "2025-06-02T09:02:00.000Z")
            let metadata = done.json[object: "metadata"]
            #expect(metadata.int("a") == 1 && metadata["b"] == nil && metadata.string("callOutcome") == "appointment_scheduled")
            #expect(done.json.string("title") == "Call")
            let reopened = try await t.put("/crm/actions/\(id)", token: sales.token, ["status": "pending"])
            #expect(reopened.json.isNull("completedAt"))
            let cleared = try await t.put("/crm/actions/\(id)", token: sales.token, ["dueDate": "2025-06-01T00:00:00Z"])
            #expect(cleared.json.bool("isOverdue") == true)
            #expect(cleared.json.int("secondsUntilDue") == -(33 * 3600 + 120))
            let noDue = try await t.put("/crm/actions/\(id)", token: sales.token, ["dueDate": NSNull()])
            #expect(noDue.json.isNull("dueDate") && noDue.json.bool("isOverdue") == false)
            #expect(try await t.put("/crm/actions/\(id)", token: sales.token, ["status": "done"]).errorFields == ["status"])
            #expect(try await t.put("/crm/actions/\(id)", token: sales.token, ["title": ""]).errorFields == ["title"])
            #expect(try await t.put("/crm/actions/\(UUID().uuidString)", token: sales.token, ["title": "x"]).status == .notFound)
        }
    }

    @Test func listSortsByDueDateNoneLastThenPriorityUrgentFirst() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let customer = try await t.makeCustomer(desk.token)
            let specs: [(String, String?, String)] = [
                ("no-due-low", nil, "low"), ("d2-medium", "2025-06-04T09:00:00Z", "medium"),
                ("d1-low", "2025-06-03T09:00:00Z", "low"), ("d1-urgent", "2025-06-03T09:00:00Z", "urgent"),
                ("no-due-urgent", nil, "urgent"), ("d1-high", "2025-06-03T09:00:00Z", "high"),
            ]
            for (title, due, priority) in specs {
                var body: [String: Any] = ["customerId": customer, "actionType": "other", "title": title, "priority": priority]
                if let due { body["dueDate"] = due }
                _ = t.createdID(try await t.post("/crm/actions", token: desk.token, body))
            }
            let expected = ["d1-urgent", "d1-high", "d1-low", "d2-medium", "no-due-urgent", "no-due-low"]
            let all = try await t.get("/crm/actions", token: desk.token).list
            #expect(all.compactMap { $0.string("title") } == expected)
            let paged = try await t.collect("/crm/actions?limit=2", token: desk.token)
            #expect(paged.compactMap { $0.string("title") } == expected)
            let urgent = try await t.get("/crm/actions?priority=urgent", token: desk.token).list
            #expect(urgent.compactMap { $0.string("title") } == ["d1-urgent", "no-due-urgent"])
            let window = try await t.get("/crm/actions?dueAfter=2025-06-03T09:00:00Z&dueBefore=2025-06-04T09:00:00Z",
                                         token: desk.token).list
            #expect(window.compactMap { $0.string("title") } == ["d1-urgent", "d1-high", "d1-low"])
            #expect(try await t.get("/crm/actions?customerId=\(UUID().uuidString)", token: desk.token).list.isEmpty)
            #expect(try await t.get("/crm/actions?status=pending", token: desk.token).list.count == 6)
            #expect(try await t.get("/crm/actions?status=done", token: desk.token).errorFields == ["status"])
            #expect(try await t.get("/crm/actions?priority=asap", token: desk.token).errorFields == ["priority"])
            #expect(try await t.get("/crm/actions?dueBefore=soon", token: desk.token).errorFields == ["dueBefore"])
            // The filters select, not just pass everything: a done action and another customer's.
            let other = try await t.makeCustomer(desk.token)
            let done = t.createdID(try await t.post("/crm/actions", token: desk.token, [
                "customerId": other, "actionType": "other", "title": "done", "status": "completed",
            ]))
            #expect(try await t.get("/crm/actions?status=pending", token: desk.token).list.count == 6)
            #expect(try await t.get("/crm/actions?status=completed", token: desk.token).list.compactMap { $0.string("id") } == [done])
            #expect(try await t.get("/crm/actions?customerId=\(customer)", token: desk.token).list.count == 6)
            #expect(try await t.get("/crm/actions?customerId=\(other)", token: desk.token).list.compactMap { $0.string("id") } == [done])
        }
    }

    @Test func aSalespersonSeesAndEditsOnlyTheirOwnActions() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(desk.token)
            let forAnna = t.createdID(try await t.post("/crm/actions", token: desk.token, [
                "customerId": customer, "actionType": "other", "title": "For Anna", "assignedTo": anna.id,
            ]))
            let byBenForAnna = t.createdID(try await t.post("/crm/actions", token: ben.token, [
                "customerId": customer, "actionType": "other", "title": "By Ben", "assignedTo": anna.id,
            ]))
            let benOwn = t.createdID(try await t.post("/crm/actions", token: ben.token, [
                "customerId": customer, "actionType": "other", "title": "Ben's",
            ]))
            let annaSees = Set(try await t.get("/crm/actions", token: anna.token).list.compactMap { $0.string("id") })
            #expect(annaSees == [forAnna, byBenForAnna])
            let benSees = Set(try await t.get("/crm/actions", token: ben.token).list.compactMap { $0.string("id") })
            #expect(benSees == [byBenForAnna, benOwn])
            #expect(try await t.get("/crm/actions/\(benOwn)", token: anna.token).status == .notFound)
            #expect(try await t.put("/crm/actions/\(benOwn)", token: anna.token, ["status": "completed"]).status == .notFound)
            #expect(try await t.get("/crm/actions/\(forAnna)", token: ben.token).status == .notFound)
            #expect(try await t.get("/crm/actions/\(forAnna)", token: anna.token).status == .ok)
            #expect(try await t.get("/crm/actions", token: desk.token).list.count == 3)
            let record = try await t.record(anna.token, customer: customer)
            #expect(Set(record[list: "actions"].compactMap { $0.string("id") }) == [forAnna, byBenForAnna])
            let pendingForAnna = try await t.get("/crm/actions/pending", token: anna.token).list
            #expect(Set(pendingForAnna.compactMap { $0.string("id") }) == [forAnna, byBenForAnna])
            #expect(try await t.get("/crm/actions/pending", token: desk.token).list.isEmpty)
        }
    }

    @Test func aSalespersonsOwnActionsPageInDueOrderAcrossAssignedAndDelegated() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(desk.token)
            var expected: [(String, String)] = []
            for day in 1...9 {
                let due = "2025-06-1\(day)T09:00:00Z"
                // Alternate: assigned to Anna by the desk, created by Anna for Ben, someone else's entirely.
                switch day % 3 {
                case 0:
                    expected.append((due, t.createdID(try await t.post("/crm/actions", token: desk.token, [
                        "customerId": customer, "actionType": "other", "title": "a\(day)", "assignedTo": anna.id, "dueDate": due]))))
                case 1:
                    expected.append((due, t.createdID(try await t.post("/crm/actions", token: anna.token, [
                        "customerId": customer, "actionType": "other", "title": "d\(day)", "assignedTo": ben.id, "dueDate": due]))))
                default:
                    _ = try await t.post("/crm/actions", token: desk.token, [
                        "customerId": customer, "actionType": "other", "title": "x\(day)", "assignedTo": ben.id, "dueDate": due])
                }
            }
            _ = t.createdID(try await t.post("/crm/actions", token: anna.token,
                                             ["customerId": customer, "actionType": "other", "title": "own, no due date"]))
            let all = try await t.collect("/crm/actions?limit=2", token: anna.token)
            #expect(all.compactMap { $0.string("id") }.prefix(expected.count) == ArraySlice(expected.map(\.1)))
            #expect(all.count == expected.count + 1)
            #expect(all.last?.isNull("dueDate") == true)
        }
    }

    @Test func pendingCarriesTimeTracking() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let id = t.createdID(try await t.post("/crm/actions", token: sales.token, [
                "customerId": customer, "actionType": "phone_call", "title": "Call", "dueDate": "2025-06-02T10:00:00Z",
            ]))
            _ = try await t.post("/crm/actions", token: sales.token, [
                "customerId": customer, "actionType": "phone_call", "title": "Done", "status": "completed",
            ])
            var pending = try await t.get("/crm/actions/pending", token: sales.token).list
            #expect(pending.compactMap { $0.string("id") } == [id])
            #expect(pending.first?.int("secondsUntilDue") == 3_600)
            #expect(pending.first?.bool("isOverdue") == false)
            t.clock.advance(seconds: 3_601)
            pending = try await t.get("/crm/actions/pending", token: sales.token).list
            #expect(pending.first?.int("secondsUntilDue") == -1)
            #expect(pending.first?.bool("isOverdue") == true)
        }
    }

    @Test func createIsValidated() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let customer = try await t.makeCustomer(desk.token)
            let bad = try await t.post("/crm/actions", token: desk.token, [
                "customerId": customer, "actionType": "call", "title": "x",
            ])
            #expect(bad.errorFields == ["actionType"])
            #expect(bad.json[list: "errors"].first?.string("message")?.contains("phone_call") == true)
            let unknown = try await t.post("/crm/actions", token: desk.token,
                                           ["customerId": UUID().uuidString, "actionType": "other", "title": "x"])
            #expect(unknown.errorFields == ["customerId"])
            let noCustomer = try await t.post("/crm/actions", token: desk.token, ["actionType": "other", "title": "x"])
            #expect(noCustomer.errorFields == ["customerId"])
            let badAssignee = try await t.post("/crm/actions", token: desk.token, [
                "customerId": customer, "actionType": "other", "title": "x", "assignedTo": UUID().uuidString,
            ])
            #expect(badAssignee.errorFields == ["assignedTo"])
            let badAppointment = try await t.post("/crm/actions", token: desk.token, [
                "customerId": customer, "actionType": "other", "title": "x", "relatedAppointmentId": UUID().uuidString,
            ])
            #expect(badAppointment.errorFields == ["relatedAppointmentId"])
            let badLead = try await t.post("/crm/actions", token: desk.token, [
                "customerId": customer, "actionType": "other", "title": "x", "relatedLeadId": UUID().uuidString,
            ])
            #expect(badLead.errorFields == ["relatedLeadId"])
            let badDue = try await t.post("/crm/actions", token: desk.token, [
                "customerId": customer, "actionType": "other", "title": "x", "dueDate": "2025-02-30T00:00:00Z",
            ])
            #expect(badDue.errorFields == ["dueDate"])
            let badMeta = try await t.post("/crm/actions", token: desk.token, [
                "customerId": customer, "actionType": "other", "title": "x", "metadata": "notes",
            ])
            #expect(badMeta.errorFields == ["metadata"])
        }
    }
}

import Fluent
import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Optimistic concurrency")
struct ConcurrencyControlTests {
    @Test func etagsAndIfMatchOnACustomer() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let created = try await t.post("/crm/customers", token: desk.token, ["firstName": "Ann", "lastName": "Lee"])
            #expect(created.headers.first(name: .eTag) == "\"1\"")
            let id = created.json.string("id")!
            #expect(try await t.get("/crm/customers/\(id)", token: desk.token).headers.first(name: .eTag) == "\"1\"")
            let first = try await t.request(.PATCH, "/crm/customers/\(id)", token: desk.token, json: ["lastName": "Lim"],
                                            headers: [("If-Match", "\"1\"")])
            #expect(first.status == .ok)
            #expect(first.headers.first(name: .eTag) == "\"2\"")
            let stale = try await t.request(.PATCH, "/crm/customers/\(id)", token: desk.token, json: ["lastName": "Loo"],
                                            headers: [("If-Match", "\"1\"")])
            #expect(stale.status == .preconditionFailed)
            #expect(stale.isProblem)
            #expect(stale.json.int("currentVersion") == 2)
            #expect(try await t.get("/crm/customers/\(id)", token: desk.token).json.string("lastName") == "Lim")
            let unconditional = try await t.patch("/crm/customers/\(id)", token: desk.token, ["lastName": "Low"])
            #expect(unconditional.status == .ok && unconditional.headers.first(name: .eTag) == "\"3\"")
            let weak = try await t.request(.PATCH, "/crm/customers/\(id)", token: desk.token, json: ["firstName": "A"],
                                           headers: [("If-Match", "W/\"3\"")])
            #expect(weak.status == .ok)
            let bad = try await t.request(.PATCH, "/crm/customers/\(id)", token: desk.token, json: ["firstName": "A"],
                                          headers: [("If-Match", "yesterday")])
            #expect(bad.errorFields == ["If-Match"])
            let missing = try await t.request(.PATCH, "/crm/customers/\(UUID().uuidString)", token: desk.token,
                                              json: ["firstName": "A"], headers: [("If-Match", "\"1\"")])
            #expect(missing.status == .notFound)
        }
    }

    @Test func everyMutableResourceHonoursIfMatch() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let s = try await t.clinicSetup()
            let items = try await t.makeCustomerItems(s, appointmentDay: 3)
            let (customer, appointment, action, lead) = (items.customer, items.appointment, items.action, items.lead)
            let tag = t.createdID(try await t.post("/crm/tags", token: admin.token, ["name": "VIP"]))
            let cases: [(HTTPMethod, String, String, [String: Any])] = [
                (.PUT, "/crm/customers/\(customer)/record", s.sales.token, ["notes": "n"]),
                (.PUT, "/crm/actions/\(action)", s.sales.token, ["priority": "high"]),
                (.PATCH, "/crm/leads/\(lead)", s.sales.token, ["notes": "n"]),
                (.PATCH, "/crm/appointments/\(appointment)", s.desk.token, ["notes": "n"]),
                (.PATCH, "/crm/tags/\(tag)", admin.token, ["description": "d"]),
            ]
            for (method, path, token, body) in cases {
                let read = path.hasSuffix("/record") || path.contains("/tags/") ? nil : try await t.get(path, token: token)
                if let read { #expect(read.headers.first(name: .eTag) == "\"1\"", "\(path)") }
                let ok = try await t.request(method, path, token: token, json: body, headers: [("If-Match", "\"1\"")])
                #expect(ok.status == .ok, "\(path): \(ok.text)")
                #expect(ok.headers.first(name: .eTag) == "\"2\"", "\(path)")
                let stale = try await t.request(method, path, token: token, json: body, headers: [("If-Match", "\"1\"")])
                #expect(stale.status == .preconditionFailed, "\(path)")
                #expect(stale.json.int("currentVersion") == 2, "\(path)")
            }
            #expect(try await t.get("/crm/customers/\(customer)/record", token: s.sales.token).headers.first(name: .eTag) == "\"2\"")
        }
    }

    @Test func parallelEditsOfOneRecordLoseNothing() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let path = "/crm/customers/\(customer)/record"
            // Without If-Match every merge applies, one after the other: all keys survive.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<12 {
                    group.addTask { try await t.put(path, token: sales.token, ["preferences": ["k\(i)": i], "notes": "n\(i)"]).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok })
            let record = try await t.get(path, token: sales.token)
            let preferences = record.json[object: "record"][object: "preferences"]
            #expect(Set(preferences.keys) == Set((0..<12).map { "k\($0)" }))
            #expect(record.headers.first(name: .eTag) == "\"13\"")

            // With If-Match on the same version exactly one wins; the others get 412, never 500.
            let contested = try await withThrowingTaskGroup(of: (HTTPStatus, Int).self) { group in
                for i in 0..<8 {
                    group.addTask {
                        let res = try await t.request(.PUT, path, token: sales.token, json: ["preferences": ["c\(i)": true]],
                                                      headers: [("If-Match", "\"13\"")])
                        return (res.status, i)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = contested.filter { $0.0 == .ok }
            #expect(winners.count == 1)
            #expect(contested.allSatisfy { $0.0 == .ok || $0.0 == .preconditionFailed })
            let after = try await t.get(path, token: sales.token).json[object: "record"][object: "preferences"]
            #expect(Set(after.keys.filter { $0.hasPrefix("c") }) == ["c\(winners[0].1)"])
        }
    }

    /// Parallel bookings and calls for one customer while the customer is reassigned: the stored
    /// statistics count every booking and the latest call, and every appointment carries the customer's
    /// final salesperson.
    @Test func parallelBookingsKeepStatisticsAndSalespersonCopiesExact() async throws {
        try await withCRM(databasePoolSize: 8) { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let other = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let results = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<16 {
                    group.addTask {
                        try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                                    start: day(-i - 1), status: "completed", amount: 100).status
                    }
                }
                for i in 0..<8 {
                    group.addTask {
                        try await t.logCommunication(s.sales.token, customer: customer,
                                                     occurredAt: day(-20 + i, hour: 9)).status
                    }
                }
                group.addTask {
                    try await t.patch("/crm/customers/\(customer)", token: s.desk.token, ["assignedSalesId": other.id]).status
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 == .created }.count == 24, "\(results)")
            #expect(results.contains(.ok))
            let record = try await t.record(s.desk.token, customer: customer)[object: "record"]
            #expect(record.int("totalAppointments") == 16)
            #expect(record.int("completedAppointments") == 16)
            #expect(record.number("lifetimeValue") == 1600)
            #expect(record.string("lastContactDate") == day(-13, hour: 9))
            #expect(record.string("customerStatus") == "contacted")
            #expect(try await t.salespersonCopiesOutOfStep() == 0)
        }
    }

    @Test func parallelStatusChangesOfOneActionEndInASerialState() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let id = t.createdID(try await t.post("/crm/actions", token: sales.token,
                                                  ["customerId": customer, "actionType": "other", "title": "x"]))
            let statuses = ["completed", "pending", "cancelled", "missed", "completed", "pending"]
            let results = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for status in statuses {
                    group.addTask { try await t.put("/crm/actions/\(id)", token: sales.token, ["status": status]).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0 == .ok })
            let final = try await t.get("/crm/actions/\(id)", token: sales.token)
            #expect(final.headers.first(name: .eTag) == "\"\(statuses.count + 1)\"")
            let status = final.json.string("status")!
            #expect(statuses.contains(status))
            #expect((status == "completed") == (final.json.string("completedAt") != nil))
            let updates = try await AuditEntry.query(on: t.app.db).filter(\.$entityID == UUID(uuidString: id)!)
                .filter(\.$action == .update).count()
            #expect(updates <= statuses.count)
            #expect(updates >= 1, "the status changes are audited")
        }
    }
}

@Suite("Idempotency keys")
struct IdempotencyTests {
    @Test func aRetryReturnsTheOriginalAnswerWithoutWritingAgain() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let body: [String: Any] = ["source": "website", "firstName": "Once", "email": "once@x.test"]
            let first = try await t.request(.POST, "/crm/leads", token: sales.token, json: body, headers: [("Idempotency-Key", "k-1")])
            #expect(first.status == .created)
            let retry = try await t.request(.POST, "/crm/leads", token: sales.token, json: body, headers: [("Idempotency-Key", "k-1")])
            #expect(retry.status == .created)
            #expect(retry.json.string("id") == first.json.string("id"))
            #expect(retry.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(retry.headers.first(name: .eTag) == "\"1\"")
            #expect(try await Lead.query(on: t.app.db).count() == 1)
            let other = try await t.request(.POST, "/crm/leads", token: sales.token,
                                            json: ["source": "website", "firstName": "Twice", "email": "t@x.test"],
                                            headers: [("Idempotency-Key", "k-1")])
            #expect(other.status == .unprocessableEntity)
            #expect(other.isProblem)
            // Another user's key space is their own.
            let colleague = try await t.makeUser(.salesperson)
            let theirs = try await t.request(.POST, "/crm/leads", token: colleague.token, json: body, headers: [("Idempotency-Key", "k-1")])
            #expect(theirs.status == .created && theirs.json.string("id") != first.json.string("id"))
            // Keys expire after 24 h.
            t.clock.advance(seconds: 86_401)
            let later = try await t.request(.POST, "/crm/leads", token: try await t.login(sales.email, sales.password).json.string("token")!,
                                            json: body, headers: [("Idempotency-Key", "k-1")])
            #expect(later.status == .created && later.json.string("id") != first.json.string("id"))
        }
    }

    @Test func failedRequestsAreNotRememberedAndBadKeysAreRefused() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let bad: [String: Any] = ["source": "website", "firstName": "X"]
            let first = try await t.request(.POST, "/crm/leads", token: sales.token, json: bad, headers: [("Idempotency-Key", "k-2")])
            #expect(first.status == .badRequest)
            let second = try await t.request(.POST, "/crm/leads", token: sales.token, json: bad, headers: [("Idempotency-Key", "k-2")])
            #expect(second.status == .badRequest)
            #expect(second.headers.first(name: "Idempotent-Replayed") == nil)
            let long = try await t.request(.POST, "/crm/leads", token: sales.token, json: bad,
                                           headers: [("Idempotency-Key", String(repeating: "x", count: 300))])
            #expect(long.errorFields == ["Idempotency-Key"])
        }
    }

    @Test func concurrentDuplicatesWriteOnce() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let customer = try await t.makeCustomer(desk.token)
            let results = try await withThrowingTaskGroup(of: (HTTPStatus, String?).self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let body: [String: Any] = ["customerId": customer, "type": "call", "direction": "outgoing",
                                                   "status": "completed"]
                        let res = try await t.request(.POST, "/crm/communications", token: desk.token, json: body,
                                                      headers: [("Idempotency-Key", "same-call")])
                        return (res.status, res.json.string("id"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.0 == .created || $0.0 == .conflict })
            #expect(Set(results.compactMap(\.1)).count == 1)
            #expect(try await Communication.query(on: t.app.db).count() == 1)
        }
    }
}

@Suite("Audit trail")
struct AuditTests {
    @Test func changesAreRecordedWithWhoWhenAndWhat() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let desk = try await t.makeUser(.secretariat)
            let created = try await t.request(.POST, "/crm/customers", token: desk.token,
                                              json: ["firstName": "Ann", "lastName": "Lee", "email": "ann@x.test"],
                                              headers: [("X-Request-ID", "req-create-1")])
            let id = created.json.string("id")!
            t.clock.advance(seconds: 60)
            _ = try await t.request(.PATCH, "/crm/customers/\(id)", token: desk.token, json: ["lastName": "Lim", "firstName": "Ann"],
                                    headers: [("X-Request-ID", "req-edit-1")])
            let entries = try await t.get("/crm/audit?entityType=customer&entityId=\(id)", token: admin.token).list
            #expect(entries.count == 2)
            let update = entries[0]
            #expect(update.string("action") == "update")
            #expect(update.string("userId") == desk.id)
            #expect(update.string("requestId") == "req-edit-1")
            #expect(update.string("createdAt") == "2025-06-02T09:01:00.000Z")
            let changes = update[object: "changes"]
            #expect(Set(changes.keys) == ["lastName"], "only the changed field")
            #expect(changes[object: "lastName"].string("old") == "Lee")
            #expect(changes[object: "lastName"].string("new") == "Lim")
            let create = entries[1]
            #expect(create.string("action") == "create" && create.string("requestId") == "req-create-1")
            #expect(create[object: "changes"][object: "email"].string("new") == "ann@x.test")
            #expect(try await t.get("/crm/audit?userId=\(desk.id)&from=2025-06-02T09:00:30Z", token: admin.token).list.count == 1)
            #expect(try await t.get("/crm/audit?entityType=nonsense", token: admin.token).errorFields == ["entityType"])
            #expect(try await t.get("/crm/audit", token: desk.token).status == .forbidden)
        }
    }

    @Test func aCustomersTimelineGathersEverythingAboutThem() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let other = try await t.makeCustomer(s.desk.token)
            _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic, start: day(5))
            _ = try await t.logCommunication(s.sales.token, customer: customer)
            _ = try await t.put("/crm/customers/\(customer)/record", token: s.sales.token, ["notes": "likes mornings"])
            let tag = t.createdID(try await t.post("/crm/tags", token: admin.token, ["name": "VIP"]))
            _ = try await t.post("/crm/customers/\(customer)/tags", token: s.sales.token, ["tagId": tag])
            _ = try await t.logCommunication(s.sales.token, customer: other)
            let timeline = try await t.collect("/crm/customers/\(customer)/audit?limit=3", token: s.sales.token)
            let types = Set(timeline.compactMap { $0.string("entityType") })
            #expect(types == ["customer", "customer_record", "appointment", "action", "communication", "customer_tag"])
            #expect(timeline.allSatisfy { $0.string("customerId") == customer })
            let recordEdits = timeline.filter { $0.string("entityType") == "customer_record" && $0.string("action") == "update" }
            #expect(recordEdits.contains { $0[object: "changes"][object: "notes"].string("new") == "likes mornings" })
            #expect(recordEdits.contains { $0[object: "changes"][object: "customerStatus"].string("new") == "contacted" })
            t.clock.advance(seconds: 1)
            _ = try await t.request(.DELETE, "/crm/tags/\(tag)", token: admin.token)
            let afterDelete = try await t.get("/crm/customers/\(customer)/audit?limit=1", token: s.sales.token).list
            #expect(afterDelete.first?.string("entityType") == "customer_tag" && afterDelete.first?.string("action") == "delete")
            #expect(try await t.get("/crm/customers/\(UUID().uuidString)/audit", token: s.sales.token).status == .notFound)
        }
    }

    @Test func userEntriesNeverHoldPasswordHashes() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            _ = try await t.post("/crm/users", token: admin.token,
                                 ["email": "n@clinic.test", "name": "N", "role": "SALESPERSON", "password": "secret-pass"])
            let user = try #require(try await t.get("/crm/users?limit=200", token: admin.token).list
                .first { $0.string("email") == "n@clinic.test" }?.string("id"))
            #expect(try await t.patch("/crm/users/\(user)", token: admin.token, ["password": "another-secret"]).status == .ok)
            let entries = try await t.get("/crm/audit?entityType=user&entityId=\(user)", token: admin.token)
            #expect(entries.list.count == 2)
            #expect(!entries.text.contains("$2") && !entries.text.contains("secret-pass") && !entries.text.contains("another-secret"))
            let keys = entries.list.flatMap { $0[object: "changes"].keys }
            #expect(!keys.contains { $0.lowercased().contains("hash") || $0 == "password" }, "\(keys)")
            // A reset is on the record, as a time, never as a value.
            let reset = entries.list.first { $0.string("action") == "update" }
            #expect(reset?[object: "changes"][object: "passwordChangedAt"].string("new") != nil)
        }
    }
}

import Foundation
import SQLKit
import Testing
import Vapor
@testable import NativeCRM

/// Free-form JSON, text and query limits: a hostile body is refused before anything is written, costs
/// milliseconds, and a stored value can never turn a read into a 500.
@Suite("Input limits")
struct InputLimitsTests {
    /// `{"k":{"k":…1…}}`, `levels` objects deep.
    static func nested(_ levels: Int) -> String {
        String(repeating: #"{"k":"#, count: levels) + "1" + String(repeating: "}", count: levels)
    }

    /// A body with `field` set to raw JSON text.
    static func body(_ base: [String: Any], field: String, json: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: base, options: [.sortedKeys])
        let text = String(decoding: data, as: UTF8.self)
        return text.dropLast() + (base.isEmpty ? "" : ",") + "\"\(field)\":\(json)}"
    }

    /// The writes that take free-form JSON, each with the body around it and the count it must not change.
    struct FreeFormWrite: Sendable {
        let method: HTTPMethod
        let path: String
        let field: String
        let base: [String: any Sendable]
    }

    static func freeFormWrites(_ t: TestContext, _ s: ClinicSetup) async throws -> [FreeFormWrite] {
        let items = try await t.makeCustomerItems(s)
        let (customer, appointment, action, lead) = (items.customer, items.appointment, items.action, items.lead)
        return [
            FreeFormWrite(method: .PUT, path: "/crm/customers/\(customer)/record", field: "preferences", base: [:]),
            FreeFormWrite(method: .POST, path: "/crm/appointments", field: "treatmentDetails",
                          base: ["customerId": customer, "serviceId": s.service, "clinicId": s.clinic, "startTime": day(9)]),
            FreeFormWrite(method: .PATCH, path: "/crm/appointments/\(appointment)", field: "treatmentDetails", base: [:]),
            FreeFormWrite(method: .POST, path: "/crm/communications", field: "metadata",
                          base: ["customerId": customer, "type": "call", "direction": "outgoing"]),
            FreeFormWrite(method: .POST, path: "/crm/actions", field: "metadata",
                          base: ["customerId": customer, "actionType": "other", "title": "Deep"]),
            FreeFormWrite(method: .PUT, path: "/crm/actions/\(action)", field: "metadata", base: [:]),
            FreeFormWrite(method: .POST, path: "/crm/leads", field: "metadata",
                          base: ["source": "website", "firstName": "D", "email": "d@x.test"]),
            FreeFormWrite(method: .PATCH, path: "/crm/leads/\(lead)", field: "metadata", base: [:]),
        ]
    }

    func auditCount(_ t: TestContext) async throws -> Int {
        try await t.app.db.sql.raw("SELECT COUNT(*) AS n FROM audit_entries").first()?.decode(column: "n", as: Int.self) ?? -1
    }

    /// The attack as observed: 510 levels in 3 KB. Refused on every endpoint that takes free-form JSON,
    /// naming the field, with nothing written; 16 levels pass, 17 do not.
    @Test func deeplyNestedJSONIsRefusedOnEveryFreeFormField() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let token = s.desk.token
            for write in try await Self.freeFormWrites(t, s) {
                let before = try await auditCount(t)
                for levels in [510, 17] {
                    let res = try await t.request(write.method, write.path, token: token,
                                                  raw: Self.body(write.base, field: write.field, json: Self.nested(levels)))
                    #expect(res.status == .badRequest, "\(write.path) \(levels): \(res.text)")
                    #expect(res.errorFields == [write.field], "\(write.path): \(res.text)")
                }
                #expect(try await auditCount(t) == before, "nothing written by \(write.path)")
                let ok = try await t.request(write.method, write.path, token: token,
                                             raw: Self.body(write.base, field: write.field, json: Self.nested(16)))
                #expect(ok.status.code < 300, "16 levels on \(write.path): \(ok.text)")
            }
        }
    }

    @Test func freeFormLimitsAtTheirBoundaries() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            /// Each value goes to a customer of its own, so no merge mixes them.
            func put(_ json: String) async throws -> APIResponse {
                let customer = try await t.makeCustomer(user.token)
                return try await t.request(.PUT, "/crm/customers/\(customer)/record", token: user.token,
                                           raw: #"{"preferences":\#(json)}"#)
            }
            func keys(_ n: Int, prefix: String = "k") -> String {
                "{" + (0..<n).map { "\"\(prefix)\($0)\":1" }.joined(separator: ",") + "}"
            }
            // keys per object
            #expect(try await put(keys(200)).status == .ok)
            let tooMany = try await put(keys(201))
            #expect(tooMany.status == .badRequest && tooMany.errorFields == ["preferences"], "\(tooMany.text)")
            // values in all: 5 groups of 199 keys = 995 + 5 containers = 1,000; one more key is 1,001
            let full = "{" + (0..<5).map { "\"g\($0)\":" + keys(199) }.joined(separator: ",") + "}"
            #expect(try await put(full).status == .ok, "1,000 values")
            let overfull = "{" + (0..<5).map { "\"g\($0)\":" + keys(199) }.joined(separator: ",") + ",\"extra\":1}"
            #expect(try await put(overfull).errorFields == ["preferences"], "1,001 values")
            // key length
            #expect(try await put("{\"\(String(repeating: "a", count: 100))\":1}").status == .ok)
            #expect(try await put("{\"\(String(repeating: "b", count: 101))\":1}").errorFields == ["preferences"])
            // size: exactly 16 KB of JSON passes, one byte more does not
            let atSize = #"{"note":"\#(String(repeating: "x", count: 16_384 - 11))"}"#
            #expect(atSize.utf8.count == 16_384)
            let sized = try await put(atSize)
            #expect(sized.status == .ok, "\(sized.text.prefix(200))")
            let overSize = try await put(#"{"note":"\#(String(repeating: "y", count: 16_384 - 10))"}"#)
            #expect(overSize.status == .badRequest && overSize.errorFields == ["preferences"], "\(overSize.text)")
        }
    }

    /// A shallow merge can grow what no single request sent: the merged result obeys the limits too.
    @Test func mergedValuesStayWithinTheLimits() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(user.token)
            func batch(_ prefix: String) -> [String: Any] {
                Dictionary(uniqueKeysWithValues: (0..<150).map { ("\(prefix)\($0)", $0 as Any) })
            }
            #expect(try await t.put("/crm/customers/\(customer)/record", token: user.token, ["preferences": batch("a")]).status == .ok)
            let grown = try await t.put("/crm/customers/\(customer)/record", token: user.token, ["preferences": batch("b")])
            #expect(grown.status == .badRequest && grown.errorFields == ["preferences"], "\(grown.text)")
            let stored = try await t.record(user.token, customer: customer)[object: "record"][object: "preferences"]
            #expect(stored.count == 150, "the refused merge changed nothing")
        }
    }

    /// Parsing a hostile body is a single bounded pass: the largest nesting the body limit allows,
    /// three at once, is answered quickly while `/health` stays responsive (the old decoder spent
    /// 5–10 s of CPU on each).
    @Test func hostileBodiesCostMilliseconds() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(user.token)
            let depth = 500 * 1024 / 6
            let hostile = [
                #"{"preferences":"# + String(repeating: "[", count: depth * 5) + "}",
                #"{"preferences":"# + Self.nested(depth / 2) + "}",
                #"{"preferences":{"# + (0..<40_000).map { "\"k\($0)\":1" }.joined(separator: ",") + "}}",
            ]
            let start = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for body in hostile {
                    group.addTask {
                        try await t.request(.PUT, "/crm/customers/\(customer)/record", token: user.token, raw: body).status
                    }
                }
                group.addTask { try await t.get("/health").status }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let elapsed = ContinuousClock.now - start
            #expect(statuses.filter { $0 == .badRequest }.count == 3, "\(statuses)")
            #expect(statuses.contains(.ok))
            #expect(elapsed < .seconds(3), "hostile bodies took \(elapsed)")
        }
    }

    @Test func duplicateKeysAreRefusedAtAnyLevel() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let top = try await t.request(.POST, "/crm/customers", token: user.token,
                                          raw: #"{"firstName":"Ann","firstName":"Eve","lastName":"Doe"}"#)
            #expect(top.status == .badRequest && top.errorFields == ["firstName"], "\(top.text)")
            let escaped = try await t.request(.POST, "/crm/customers", token: user.token,
                                              raw: #"{"firstName":"Ann","first\u004eame":"Eve","lastName":"Doe"}"#)
            #expect(escaped.errorFields == ["firstName"], "the same key spelled with an escape: \(escaped.text)")
            let nested = try await t.request(.POST, "/crm/leads", token: user.token, raw: """
                {"source":"website","firstName":"L","email":"dup@x.test","metadata":{"campaign":"a","campaign":"b"}}
                """)
            #expect(nested.status == .badRequest && nested.errorFields == ["metadata.campaign"], "\(nested.text)")
            #expect(try await t.get("/crm/customers", token: user.token).list.isEmpty, "nothing created")
            #expect(try await t.get("/crm/leads", token: user.token).list.isEmpty)
        }
    }

    /// Rows stored before the limits existed: a read serves them (never a 500), and the repair
    /// migration clears what cannot be served, leaving an audit entry that names the field.
    @Test func storedPoisonNeverBreaksAReadAndTheMigrationRepairsIt() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let customer = try await t.makeCustomer(admin.token)
            let poison = Self.nested(500)
            let sql = t.app.db.sql
            try await sql.raw("UPDATE customer_records SET preferences = \(bind: poison) WHERE customer_id = \(bind: UUID(uuidString: customer)!)").run()
            let changes = #"{"preferences":{"new":\#(poison),"old":{}}}"#
            try await sql.raw("""
                INSERT INTO audit_entries (id, user_id, request_id, entity_type, entity_id, action, changes, customer_id, created_at)
                VALUES (\(bind: UUID()), NULL, NULL, 'customer_record', \(bind: UUID()), 'update', \(bind: changes),
                        \(bind: UUID(uuidString: customer)!), \(bind: t.clock.now))
                """).run()
            for path in ["/crm/customers/\(customer)/record", "/crm/customers/\(customer)/audit", "/crm/audit"] {
                let res = try await t.get(path, token: admin.token)
                #expect(res.status == .ok, "\(path): \(res.status)")
            }
            #expect(try await t.record(admin.token, customer: customer)[object: "record"][object: "preferences"].isEmpty)

            try await M0017_RepairFreeFormJSON().prepare(on: t.app.db)
            let stored = try await sql.raw("SELECT preferences FROM customer_records WHERE customer_id = \(bind: UUID(uuidString: customer)!)")
                .first()?.decode(column: "preferences", as: String.self)
            #expect(stored == "{}")
            let timeline = try await t.get("/crm/customers/\(customer)/audit", token: admin.token).list
            let repair = timeline.first { $0.string("userId") == nil && $0[object: "changes"][object: "preferences"].string("old") != nil }
            #expect(repair?[object: "changes"][object: "preferences"].string("old") == M0017_RepairFreeFormJSON.marker)
            let repairedEntry = timeline.first { $0[object: "changes"][object: "preferences"]["new"] is String }
            #expect(repairedEntry?[object: "changes"][object: "preferences"].string("new") == M0017_RepairFreeFormJSON.marker,
                    "the audit entry's unservable value is replaced, its shape kept")
            let again = try await t.get("/crm/audit?limit=200", token: admin.token)
            try await M0017_RepairFreeFormJSON().prepare(on: t.app.db)
            #expect(try await t.get("/crm/audit?limit=200", token: admin.token).list.count == again.list.count,
                    "a second run finds nothing to do")
        }
    }

    /// Every capped text field at its cap passes and one character more is a 400 naming it.
    @Test func textFieldsHaveTheirDocumentedCaps() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let admin = try await t.admin()
            let token = s.desk.token
            let items = try await t.makeCustomerItems(s)
            let (customer, appointment, action, lead) = (items.customer, items.appointment, items.action, items.lead)
            let tag = t.createdID(try await t.post("/crm/tags", token: admin.token, ["name": "Cap tag"]))
            struct Cap { let method: HTTPMethod; let path: String; let field: String; let max: Int; let base: [String: Any]; let token: String }
            let unique = { UUID().uuidString.prefix(8) }
            let caps: [Cap] = [
                Cap(method: .POST, path: "/crm/customers", field: "firstName", max: 100, base: ["lastName": "D"], token: token),
                Cap(method: .PATCH, path: "/crm/customers/\(customer)", field: "lastName", max: 100, base: [:], token: token),
                Cap(method: .PUT, path: "/crm/customers/\(customer)/record", field: "notes", max: 5_000, base: [:], token: token),
                Cap(method: .POST, path: "/crm/communications", field: "subject", max: 200,
                    base: ["customerId": customer, "type": "call", "direction": "outgoing"], token: token),
                Cap(method: .POST, path: "/crm/communications", field: "notes", max: 5_000,
                    base: ["customerId": customer, "type": "note"], token: token),
                Cap(method: .POST, path: "/crm/actions", field: "title", max: 200,
                    base: ["customerId": customer, "actionType": "other"], token: token),
                Cap(method: .PUT, path: "/crm/actions/\(action)", field: "description", max: 5_000, base: [:], token: token),
                Cap(method: .PATCH, path: "/crm/appointments/\(appointment)", field: "notes", max: 5_000, base: [:], token: token),
                Cap(method: .POST, path: "/crm/leads", field: "notes", max: 5_000,
                    base: ["source": "website", "firstName": "N", "phone": "+41791234567"], token: token),
                Cap(method: .PATCH, path: "/crm/leads/\(lead)", field: "firstName", max: 100, base: [:], token: token),
                Cap(method: .POST, path: "/crm/clinics", field: "name", max: 100, base: [:], token: token),
                Cap(method: .POST, path: "/crm/services", field: "name", max: 100, base: ["price": 10], token: token),
                Cap(method: .PATCH, path: "/crm/tags/\(tag)", field: "description", max: 5_000, base: [:], token: admin.token),
                Cap(method: .POST, path: "/crm/customers/\(customer)/tags", field: "notes", max: 5_000, base: ["tagId": tag],
                    token: token),
                Cap(method: .POST, path: "/crm/users", field: "name", max: 100,
                    base: ["role": "SALESPERSON", "password": "long-enough"], token: admin.token),
            ]
            for cap in caps {
                var over = cap.base
                over[cap.field] = String(repeating: "y", count: cap.max + 1)
                if cap.path == "/crm/users" { over["email"] = "over-\(unique())@clinic.test" }
                let refused = try await t.request(cap.method, cap.path, token: cap.token, json: over)
                #expect(refused.status == .badRequest && refused.errorFields == [cap.field],
                        "\(cap.path) \(cap.field) at \(cap.max + 1): \(refused.status.code) \(refused.text.prefix(300))")
                var atCap = cap.base
                atCap[cap.field] = String(repeating: "x", count: cap.max - 8) + unique()
                if cap.path == "/crm/users" { atCap["email"] = "cap-\(unique())@clinic.test" }
                let accepted = try await t.request(cap.method, cap.path, token: cap.token, json: atCap)
                #expect(accepted.status.code < 300, "\(cap.path) \(cap.field) at \(cap.max): \(accepted.text.prefix(300))")
            }
        }
    }

    @Test func searchIsCappedAt200Characters() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            for list in ["/crm/customers", "/crm/leads"] {
                #expect(try await t.get("\(list)?search=\(String(repeating: "a", count: 200))", token: user.token).status == .ok)
                let long = try await t.get("\(list)?search=\(String(repeating: "a", count: 201))", token: user.token)
                #expect(long.status == .badRequest && long.errorFields == ["search"], "\(list)")
                // The observed 500: a search of 50,000 characters on SQLite.
                let huge = try await t.get("\(list)?search=\(String(repeating: "b", count: 50_000))", token: user.token)
                #expect(huge.status == .badRequest || huge.status.code == 431, "\(list): \(huge.status)")
            }
        }
    }

    /// A filter that cannot be read is a 400, never a silently unfiltered list.
    @Test func undecodableQueryValuesAreRefused() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            _ = try await t.makeCustomer(user.token, first: "Zed")
            let cases: [(String, String)] = [
                ("/crm/customers?search=%ff%fe", "search"),
                ("/crm/customers?search[]=Zed", "search"),
                ("/crm/leads?status=new&status=lost", "status"),
                ("/crm/customers?search=a%00b", "search"),
            ]
            for (path, field) in cases {
                let res = try await t.get(path, token: user.token)
                #expect(res.status == .badRequest && res.errorFields == [field], "\(path): \(res.status.code) \(res.text)")
            }
            #expect(try await t.get("/crm/customers?search=Z%C3%A9d+x", token: user.token).status == .ok, "valid UTF-8 passes")
        }
    }
}

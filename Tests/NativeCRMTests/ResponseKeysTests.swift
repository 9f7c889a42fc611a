import Foundation
import Testing
import Vapor
import Yams
@testable import NativeCRM

/// Every response the server sends has exactly the keys its schema in `openapi.yaml` lists — no key
/// the document forgets, none it promises and the server leaves out — at every depth, for every
/// operation a clinic's day touches (and the problem documents).
@Suite("Response keys match the document")
struct ResponseKeysTests {
    /// The document, with `$ref`s resolved on demand.
    struct Document {
        let root: [String: Any]

        init() throws {
            let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            let text = try String(contentsOf: checkout.appendingPathComponent("openapi.yaml"), encoding: .utf8)
            root = try Yams.load(yaml: text) as? [String: Any] ?? [:]
        }

        func resolve(_ node: [String: Any]) -> [String: Any] {
            guard let ref = node["$ref"] as? String else { return node }
            var current: Any = root
            for part in ref.dropFirst(2).split(separator: "/") { current = (current as? [String: Any])?[String(part)] ?? [:] }
            return resolve(current as? [String: Any] ?? [:])
        }

        /// The JSON schema of `method path` answering `status` (path as documented: `/crm/customers/{id}`).
        func schema(_ method: String, _ path: String, _ status: Int) -> [String: Any]? {
            let paths = root["paths"] as? [String: Any] ?? [:]
            let operation = (paths[path] as? [String: Any])?[method.lowercased()] as? [String: Any]
            let responses = operation?["responses"] as? [String: Any] ?? [:]
            guard let response = (responses[String(status)] as? [String: Any]).map(resolve) else { return nil }
            let content = response["content"] as? [String: Any] ?? [:]
            let media = (content["application/json"] ?? content["application/problem+json"]) as? [String: Any]
            return (media?["schema"] as? [String: Any]).map(resolve)
        }

        /// Where `value` and `schema` disagree about keys.
        func mismatches(_ value: Any, _ schema: [String: Any], at place: String) -> [String] {
            let schema = resolve(schema)
            if let choices = (schema["anyOf"] ?? schema["oneOf"]) as? [[String: Any]] {
                return choices.map { mismatches(value, $0, at: place) }.min { $0.count < $1.count } ?? []
            }
            if let object = value as? [String: Any] {
                guard let properties = schema["properties"] as? [String: Any] else { return [] }  // free-form
                var problems: [String] = []
                let sent = Set(object.keys), documented = Set(properties.keys)
                for key in sent.subtracting(documented).sorted() { problems.append("\(place).\(key): sent, not documented") }
                // Response objects carry every key (null when empty); only a key the schema leaves optional
                // (a problem's `currentVersion`, sent with a 412) may be absent.
                let required = Set(schema["required"] as? [String] ?? [])
                for key in required.subtracting(sent).sorted() { problems.append("\(place).\(key): documented, not sent") }
                for key in sent.intersection(documented).sorted() {
                    problems += mismatches(object[key]!, properties[key] as? [String: Any] ?? [:], at: "\(place).\(key)")
                }
                return problems
            }
            if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
                return array.prefix(3).enumerated().flatMap { mismatches($1, items, at: "\(place)[\($0)]") }
            }
            return []
        }
    }

    @Test func everyResponseCarriesExactlyItsDocumentedKeys() async throws {
        try await withCRM { (t: TestContext) async throws in
            let document = try Document()
            var problems: [String] = []
            var checked = 0
            /// Sends the request and compares its answer with the documented schema of `template`.
            @discardableResult
            func check(_ method: HTTPMethod, _ template: String, _ path: String, token: String?, json: [String: Any]? = nil,
                       status expected: HTTPStatus) async throws -> [String: Any] {
                let response = try await t.request(method, path, token: token, json: json)
                #expect(response.status == expected, "\(method) \(path): \(response.text)")
                guard let schema = document.schema(method.rawValue, template, Int(response.status.code)) else {
                    problems.append("\(method) \(template) \(response.status.code): no documented schema")
                    return [:]
                }
                let value = try JSONSerialization.jsonObject(with: response.body)
                problems += document.mismatches(value, schema, at: "\(method) \(template)")
                checked += 1
                return value as? [String: Any] ?? [:]
            }

            let admin = try await t.admin()
            let sales = try await t.makeUser(.salesperson)
            let desk = try await t.makeUser(.secretariat)
            try await check(.POST, "/auth/login", "/auth/login", token: nil,
                            json: ["email": sales.email, "password": sales.password], status: .ok)
            try await check(.GET, "/auth/me", "/auth/me", token: sales.token, status: .ok)
            try await check(.GET, "/crm/users", "/crm/users", token: admin.token, status: .ok)
            try await check(.GET, "/crm/users/{id}", "/crm/users/\(sales.id)", token: admin.token, status: .ok)
            try await check(.PATCH, "/crm/users/{id}", "/crm/users/\(desk.id)", token: admin.token, json: ["name": "Desk"], status: .ok)

            let clinic = try await check(.POST, "/crm/clinics", "/crm/clinics", token: desk.token,
                                         json: ["name": "Lakeside", "phone": "+41791111111"], status: .created).string("id")!
            try await check(.PATCH, "/crm/clinics/{id}", "/crm/clinics/\(clinic)", token: desk.token, json: ["address": "Quai 1"], status: .ok)
            try await check(.GET, "/crm/clinics", "/crm/clinics", token: sales.token, status: .ok)
            let service = try await check(.POST, "/crm/services", "/crm/services", token: desk.token,
                                          json: ["name": "Botox", "price": 150, "typicalIntervalDays": 90], status: .created).string("id")!
            try await check(.PATCH, "/crm/services/{id}", "/crm/services/\(service)", token: desk.token, json: ["price": 160], status: .ok)
            try await check(.GET, "/crm/services", "/crm/services", token: sales.token, status: .ok)

            let customer = try await check(.POST, "/crm/customers", "/crm/customers", token: sales.token,
                                           json: ["firstName": "Mia", "lastName": "Keller", "email": "mia@mail.test",
                                                  "phone": "+41791234567"], status: .created).string("id")!
            try await check(.GET, "/crm/customers", "/crm/customers?search=mia", token: sales.token, status: .ok)
            try await check(.GET, "/crm/customers/{id}", "/crm/customers/\(customer)", token: sales.token, status: .ok)
            try await check(.PATCH, "/crm/customers/{id}", "/crm/customers/\(customer)", token: sales.token,
                            json: ["lastName": "Keller-Frei"], status: .ok)
            let appointment = try await check(.POST, "/crm/appointments", "/crm/appointments", token: desk.token,
                                              json: ["customerId": customer, "serviceId": service, "clinicId": clinic,
                                                     "startTime": day(-10), "status": "completed"], status: .created).string("id")!
            let upcoming = try await check(.POST, "/crm/appointments", "/crm/appointments", token: desk.token,
                                           json: ["customerId": customer, "serviceId": service, "clinicId": clinic,
                                                  "startTime": day(5)], status: .created).string("id")!
            try await check(.PATCH, "/crm/appointments/{id}", "/crm/appointments/\(upcoming)", token: desk.token,
                            json: ["status": "confirmed"], status: .ok)
            try await check(.GET, "/crm/appointments/{id}", "/crm/appointments/\(appointment)", token: sales.token, status: .ok)
            try await check(.GET, "/crm/appointments", "/crm/appointments?customerId=\(customer)", token: sales.token, status: .ok)
            let call = try await check(.POST, "/crm/communications", "/crm/communications", token: sales.token,
                                       json: ["customerId": customer, "type": "call", "direction": "outgoing",
                                              "status": "scheduled", "scheduledAt": day(1)], status: .created).string("id")!
            try await check(.PATCH, "/crm/communications/{id}", "/crm/communications/\(call)", token: sales.token,
                            json: ["status": "completed", "notes": "Booked"], status: .ok)
            try await check(.POST, "/crm/communications", "/crm/communications", token: sales.token,
                            json: ["customerId": customer, "type": "call", "direction": "missed"], status: .created)
            try await check(.GET, "/crm/customers/{id}/communications", "/crm/customers/\(customer)/communications",
                            token: sales.token, status: .ok)
            let action = try await check(.POST, "/crm/actions", "/crm/actions", token: sales.token,
                                         json: ["customerId": customer, "actionType": "follow_up", "title": "Aftercare",
                                                "dueDate": day(2)], status: .created).string("id")!
            try await check(.PUT, "/crm/actions/{id}", "/crm/actions/\(action)", token: sales.token, json: ["priority": "high"], status: .ok)
            try await check(.GET, "/crm/actions/{id}", "/crm/actions/\(action)", token: sales.token, status: .ok)
            try await check(.GET, "/crm/actions", "/crm/actions?customerId=\(customer)", token: sales.token, status: .ok)
            try await check(.GET, "/crm/actions/pending", "/crm/actions/pending", token: sales.token, status: .ok)
            let tag = try await check(.POST, "/crm/tags", "/crm/tags", token: admin.token,
                                      json: ["name": "VIP", "color": "#FFD700"], status: .created).string("id")!
            try await check(.PATCH, "/crm/tags/{tagId}", "/crm/tags/\(tag)", token: admin.token, json: ["description": "Top"], status: .ok)
            try await check(.GET, "/crm/tags", "/crm/tags", token: sales.token, status: .ok)
            try await check(.POST, "/crm/customers/{id}/tags", "/crm/customers/\(customer)/tags", token: sales.token,
                            json: ["tagId": tag, "notes": "Loyal"], status: .created)
            try await check(.GET, "/crm/tags/{tagId}/customers", "/crm/tags/\(tag)/customers", token: sales.token, status: .ok)
            try await check(.GET, "/crm/customers/{id}/record", "/crm/customers/\(customer)/record", token: sales.token, status: .ok)
            try await check(.PUT, "/crm/customers/{id}/record", "/crm/customers/\(customer)/record", token: sales.token,
                            json: ["notes": "Prefers mornings"], status: .ok)
            try await check(.GET, "/crm/customers/{id}/timeline", "/crm/customers/\(customer)/timeline?limit=200",
                            token: sales.token, status: .ok)
            try await check(.GET, "/crm/customers/{id}/audit", "/crm/customers/\(customer)/audit", token: sales.token, status: .ok)
            try await check(.GET, "/crm/audit", "/crm/audit", token: admin.token, status: .ok)
            try await check(.GET, "/crm/customers/repeat", "/crm/customers/repeat", token: sales.token, status: .ok)
            try await check(.GET, "/crm/customers/follow-up", "/crm/customers/follow-up?daysThreshold=1", token: admin.token, status: .ok)
            let lead = try await check(.POST, "/crm/leads", "/crm/leads", token: desk.token,
                                       json: ["source": "website", "firstName": "Lena", "email": "lena@mail.test"],
                                       status: .created).string("id")!
            try await check(.PATCH, "/crm/leads/{id}", "/crm/leads/\(lead)", token: desk.token, json: ["status": "converted"], status: .ok)
            try await check(.GET, "/crm/leads/{id}", "/crm/leads/\(lead)", token: desk.token, status: .ok)
            try await check(.GET, "/crm/leads", "/crm/leads", token: desk.token, status: .ok)
            try await check(.GET, "/crm/analytics/salesperson", "/crm/analytics/salesperson", token: sales.token, status: .ok)
            try await check(.GET, "/crm/notifications", "/crm/notifications", token: sales.token, status: .ok)
            try await check(.POST, "/crm/notifications/stream-ticket", "/crm/notifications/stream-ticket", token: sales.token,
                            status: .created)
            // Problems: a refused field, an unknown id, a clash.
            try await check(.POST, "/crm/customers", "/crm/customers", token: sales.token, json: ["firstName": ""], status: .badRequest)
            try await check(.GET, "/crm/customers/{id}", "/crm/customers/\(UUID())", token: sales.token, status: .notFound)
            try await check(.POST, "/crm/tags", "/crm/tags", token: admin.token, json: ["name": "vip"], status: .conflict)
            try await check(.GET, "/health", "/health", token: nil, status: .ok)

            #expect(checked >= 50)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }
}

import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// Unknown fields, every bad field at once, and the HTTP conventions a client expects.
@Suite("Input rules and HTTP conventions")
struct InputRulesTests {
    @Test func everyWriteRefusesAKeyItDoesNotTakeAndWritesNothing() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let sales = try await t.makeUser(.salesperson)
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(admin.token, salesID: sales.id)
            let appointment = t.createdID(try await t.bookAppointment(admin.token, customer: customer, service: s.service,
                                                                     clinic: s.clinic, start: day(3)))
            let communication = t.createdID(try await t.logCommunication(admin.token, customer: customer))
            let action = t.createdID(try await t.post("/crm/actions", token: admin.token,
                                                      ["customerId": customer, "actionType": "phone_call", "title": "Call"]))
            let lead = t.createdID(try await t.post("/crm/leads", token: admin.token,
                                                    ["source": "website", "firstName": "L", "email": "l@x.test"]))
            let tag = t.createdID(try await t.post("/crm/tags", token: admin.token, ["name": "VIP"]))
            let cases: [(HTTPMethod, String, [String: Any])] = [
                (.POST, "/crm/customers", ["firstName": "A", "lastName": "B"]),
                (.PATCH, "/crm/customers/\(customer)", ["firstName": "A"]),
                (.PUT, "/crm/customers/\(customer)/record", ["notes": "n"]),
                (.POST, "/crm/communications", ["customerId": customer, "type": "note"]),
                (.PATCH, "/crm/communications/\(communication)", ["notes": "n"]),
                (.POST, "/crm/actions", ["customerId": customer, "actionType": "phone_call", "title": "T"]),
                (.PUT, "/crm/actions/\(action)", ["title": "T"]),
                (.POST, "/crm/leads", ["source": "website", "firstName": "L", "email": "m@x.test"]),
                (.PATCH, "/crm/leads/\(lead)", ["notes": "n"]),
                (.POST, "/crm/clinics", ["name": "New clinic"]),
                (.PATCH, "/crm/clinics/\(s.clinic)", ["name": "Renamed"]),
                (.POST, "/crm/services", ["name": "New service", "price": 10]),
                (.PATCH, "/crm/services/\(s.service)", ["price": 10]),
                (.POST, "/crm/appointments", ["customerId": customer, "serviceId": s.service, "clinicId": s.clinic,
                                              "startTime": day(9)]),
                (.PATCH, "/crm/appointments/\(appointment)", ["notes": "n"]),
                (.POST, "/crm/tags", ["name": "Other"]),
                (.PATCH, "/crm/tags/\(tag)", ["name": "Gold"]),
                (.POST, "/crm/customers/\(customer)/tags", ["tagId": tag]),
                (.POST, "/crm/users", ["email": "u@x.test", "name": "U", "role": "SALESPERSON", "password": "long-enough-1"]),
                (.PATCH, "/crm/users/\(sales.id)", ["name": "U"]),
                (.POST, "/auth/password", ["currentPassword": admin.password, "newPassword": "another-long-one-2"]),
            ]
            let auditBefore = try await t.collect("/crm/audit", token: admin.token).count
            for (method, path, body) in cases {
                var bad = body
                bad["bogus"] = 1
                bad["nickName"] = "x"
                let res = try await t.request(method, path, token: admin.token, json: bad)
                #expect(res.status == .badRequest, "\(method) \(path): \(res.status.code) \(res.text)")
                #expect(Set(res.errorFields).isSuperset(of: ["bogus", "nickName"]), "\(method) \(path): \(res.text)")
                #expect(res.text.contains("is not a field of this request"), "\(method) \(path)")
            }
            #expect(try await t.collect("/crm/audit", token: admin.token).count == auditBefore)
            let login = try await t.request(.POST, "/auth/login", json: ["email": admin.email, "password": admin.password, "otp": 1])
            #expect(login.status == .badRequest && login.errorFields == ["otp"])
            // Endpoints that take no fields refuse any (an empty body or {} is fine).
            for path in ["/crm/notifications/read-all", "/crm/notifications/stream-ticket", "/auth/logout"] {
                let res = try await t.request(.POST, path, token: sales.token, json: ["everything": true])
                #expect(res.status == .badRequest && res.errorFields == ["everything"], "\(path): \(res.text)")
            }
            #expect(try await t.request(.POST, "/crm/notifications/read-all", token: sales.token, json: [:]).status == .ok)
            #expect(try await t.request(.POST, "/crm/notifications/read-all", token: sales.token).status == .ok)
        }
    }

    @Test func everyBadFieldIsReportedAtOnceWithItsOwnMessage() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let comm = try await t.post("/crm/communications", token: sales.token,
                                        ["customerId": customer, "type": "fax", "direction": "sideways"])
            #expect(comm.status == .badRequest)
            #expect(comm.errorFields == ["type", "direction"])
            let numeric = try await t.post("/crm/communications", token: sales.token, ["customerId": customer, "type": 7])
            #expect((numeric.json["errors"] as? [[String: Any]])?.first?["message"] as? String
                    == "must be one of: call, email, sms, whatsapp, meeting, note")
            let people = try await t.post("/crm/customers", token: sales.token, ["email": "bad", "phone": 123])
            #expect(Set(people.errorFields) == ["firstName", "lastName", "email", "phone"])
            let messages = Dictionary(uniqueKeysWithValues: (people.json["errors"] as? [[String: Any]] ?? [])
                .map { ($0["field"] as! String, $0["message"] as! String) })
            #expect(messages["firstName"] == "is required")
            #expect(messages["phone"] == "must be a string")
            #expect(messages["email"] == "must be a valid email address")
            let duration = try await t.post("/crm/communications", token: sales.token,
                                            ["customerId": "customer-123", "type": "call", "durationSeconds": 1.5])
            let errors = duration.json["errors"] as? [[String: Any]] ?? []
            #expect(errors.count == 2)
            #expect(errors.first?["field"] as? String == "customerId")
            #expect(errors.first?["message"] as? String == "must be a UUID")
            #expect(errors.last?["field"] as? String == "durationSeconds")
            #expect(errors.last?["message"] as? String == "must be a whole number")
            // Type errors and range errors of different fields together; nothing was written.
            let mixed = try await t.post("/crm/communications", token: sales.token,
                                         ["customerId": customer, "type": "call", "durationSeconds": -5, "scheduledAt": "soon",
                                          "subject": String(repeating: "s", count: 201)])
            #expect(Set(mixed.errorFields) == ["durationSeconds", "scheduledAt", "subject"])
            #expect(try await t.get("/crm/customers/\(customer)/communications", token: sales.token).list.isEmpty)
            let notJSON = try await t.request(.POST, "/crm/customers", token: sales.token, raw: "{\"firstName\": ")
            #expect(notJSON.status == .badRequest && notJSON.errorFields == ["body"])
        }
    }

    @Test func aKnownPathWithAnotherMethodIs405WithAllow() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let res = try await t.request(.DELETE, "/crm/customers", token: admin.token)
            #expect(res.status == .methodNotAllowed)
            #expect(res.isProblem)
            #expect(res.headers.first(name: "Allow") == "GET, HEAD, POST")
            let one = try await t.request(.PUT, "/crm/customers/\(UUID())", token: admin.token)
            #expect(one.status == .methodNotAllowed)
            #expect(one.headers.first(name: "Allow") == "GET, HEAD, PATCH")
            #expect(try await t.request(.GET, "/crm/nothing-here", token: admin.token).status == .notFound)
            #expect(try await t.request(.GET, "/crm/customers/\(UUID())", token: admin.token).status == .notFound)
        }
    }

    @Test func browsersFromConfiguredOriginsGetCORSAndOthersDoNot() async throws {
        try await withCRM(corsOrigins: ["https://app.clinic.test"]) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let preflight = try await t.request(.OPTIONS, "/crm/customers", headers: [
                ("Origin", "https://app.clinic.test"), ("Access-Control-Request-Method", "PATCH"),
                ("Access-Control-Request-Headers", "authorization, if-match")])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers.first(name: "Access-Control-Allow-Origin") == "https://app.clinic.test")
            let allowed = preflight.headers.first(name: "Access-Control-Allow-Headers") ?? ""
            for header in ["Authorization", "Content-Type", "If-Match", "Idempotency-Key"] { #expect(allowed.contains(header)) }
            #expect(preflight.headers.first(name: "Access-Control-Allow-Methods")?.contains("PATCH") == true)
            let list = try await t.request(.GET, "/crm/customers", token: admin.token,
                                           headers: [("Origin", "https://app.clinic.test")])
            #expect(list.headers.first(name: "Access-Control-Allow-Origin") == "https://app.clinic.test")
            let exposed = list.headers.first(name: "Access-Control-Expose-Headers") ?? ""
            for header in ["ETag", "Link", "X-Request-ID"] { #expect(exposed.contains(header)) }
            let denied = try await t.request(.GET, "/crm/customers", token: admin.token, headers: [("Origin", "https://evil.test")])
            #expect(denied.headers.first(name: "Access-Control-Allow-Origin") == nil)
            let foreignPreflight = try await t.request(.OPTIONS, "/crm/customers", headers: [
                ("Origin", "https://evil.test"), ("Access-Control-Request-Method", "GET")])
            #expect(foreignPreflight.headers.first(name: "Access-Control-Allow-Origin") == nil)
        }
        try await withCRM { (t: TestContext) async throws in
            let list = try await t.request(.GET, "/health", headers: [("Origin", "https://app.clinic.test")])
            #expect(list.headers.first(name: "Access-Control-Allow-Origin") == nil)
        }
        #expect(throws: ConfigurationError.self) { try AppConfig.fromEnvironment(["CRM_CORS_ORIGINS": "https://a.test/path"]) }
        #expect(try AppConfig.fromEnvironment(["CRM_CORS_ORIGINS": "https://a.test, http://localhost:3000"]).corsOrigins
                == ["https://a.test", "http://localhost:3000"])
    }

    @Test func aUserReadsThemselvesAndAnAdminReadsAnyone() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let sales = try await t.makeUser(.salesperson)
            let other = try await t.makeUser(.secretariat)
            let own = try await t.get("/crm/users/\(sales.id)", token: sales.token)
            #expect(own.status == .ok)
            #expect(own.json.string("email") == sales.email)
            #expect(own.json["passwordHash"] == nil)
            #expect(try await t.get("/crm/users/\(other.id)", token: sales.token).status == .forbidden)
            #expect(try await t.get("/crm/users/\(other.id)", token: admin.token).json.string("role") == "SECRETARIAT")
            #expect(try await t.get("/crm/users/\(UUID())", token: admin.token).status == .notFound)
        }
    }

    @Test func aTagsColourComesBackAsSentAndEveryTimestampHasMilliseconds() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let tag = try await t.post("/crm/tags", token: admin.token, ["name": "Gold", "color": "#ffd700"])
            #expect(tag.json.string("color") == "#ffd700")
            let patched = try await t.patch("/crm/tags/\(tag.json.string("id")!)", token: admin.token, ["color": "#AbC"])
            #expect(patched.json.string("color") == "#AbC")
            let pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
            let customer = try await t.post("/crm/customers", token: admin.token, ["firstName": "A", "lastName": "B"])
            for key in ["createdAt", "updatedAt"] {
                let value = try #require(customer.json.string(key))
                #expect(value.wholeMatch(of: pattern) != nil, "\(key): \(value)")
            }
            #expect(tag.json.string("createdAt")?.wholeMatch(of: pattern) != nil)
        }
    }
}

import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// Builders for the clinic's data, all through the HTTP API, so tests read as the scenario they prove.
extension TestContext {
    /// The id in a 201 response, failing the test when the request did not create.
    func createdID(_ response: APIResponse, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        #expect(response.status == .created, "expected 201, got \(response.status.code): \(response.text)",
                sourceLocation: sourceLocation)
        return response.json["id"] as? String ?? ""
    }

    /// An API key made over HTTP by `adminToken`: its id and the key itself.
    func makeKey(_ adminToken: String, role: UserRole = .admin, scopes: [String]? = nil,
                 name: String = "Key \(UUID().uuidString.prefix(6))") async throws -> (id: String, key: String) {
        var body: [String: Any] = ["name": name, "role": role.rawValue]
        if let scopes { body["scopes"] = scopes }
        let response = try await post("/crm/api-keys", token: adminToken, body)
        return (createdID(response), response.json.string("key") ?? "")
    }

    func makeClinic(_ token: String, name: String = "Clinic \(UUID().uuidString.prefix(6))") async throws -> String {
        createdID(try await post("/crm/clinics", token: token, ["name": name]))
    }

    func makeService(_ token: String, name: String = "Service \(UUID().uuidString.prefix(6))", price: Double = 150,
                     intervalDays: Int? = 90) async throws -> String {
        var body: [String: Any] = ["name": name, "price": price]
        if let intervalDays { body["typicalIntervalDays"] = intervalDays }
        return createdID(try await post("/crm/services", token: token, body))
    }

    func makeCustomer(_ token: String, first: String = "Jane", last: String = "Doe", email: String? = nil,
                      phone: String? = nil, salesID: String? = nil) async throws -> String {
        var body: [String: Any] = ["firstName": first, "lastName": last,
                                   "email": email ?? "\(first.lowercased()).\(UUID().uuidString.prefix(6))@mail.test"]
        if let phone { body["phone"] = phone }
        if let salesID { body["assignedSalesId"] = salesID }
        return createdID(try await post("/crm/customers", token: token, body))
    }

    func bookAppointment(_ token: String, customer: String, service: String, clinic: String, start: String,
                         status: String? = nil, amount: Double? = nil) async throws -> APIResponse {
        var body: [String: Any] = ["customerId": customer, "serviceId": service, "clinicId": clinic, "startTime": start]
        if let status { body["status"] = status }
        if let amount { body["totalAmount"] = amount }
        return try await post("/crm/appointments", token: token, body)
    }

    func logCommunication(_ token: String, customer: String, type: String = "call", direction: String? = "outgoing",
                          status: String? = "completed", occurredAt: String? = nil,
                          extra: [String: Any] = [:]) async throws -> APIResponse {
        var body: [String: Any] = ["customerId": customer, "type": type]
        if let direction { body["direction"] = direction }
        if let status { body["status"] = status }
        if let occurredAt { body["occurredAt"] = occurredAt }
        body.merge(extra) { _, new in new }
        return try await post("/crm/communications", token: token, body)
    }

    func record(_ token: String, customer: String) async throws -> [String: Any] {
        let response = try await get("/crm/customers/\(customer)/record", token: token)
        #expect(response.status == .ok, "record: \(response.text)")
        return response.json
    }

    /// Every item of a paged list, following `Link: rel="next"`; also checks there is no trailing empty page.
    func collect(_ path: String, token: String) async throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        var next: String? = path
        while let url = next {
            let response = try await get(url, token: token)
            #expect(response.status == .ok, "\(url): \(response.text)")
            if response.nextLink != nil { #expect(!response.list.isEmpty) }
            items += response.list
            next = response.nextLink
        }
        return items
    }

    /// A front-desk user with a clinic and a service, ready to book.
    func clinicSetup(intervalDays: Int? = 90, price: Double = 150) async throws -> ClinicSetup {
        let desk = try await makeUser(.secretariat)
        let sales = try await makeUser(.salesperson)
        return ClinicSetup(desk: desk, sales: sales, clinic: try await makeClinic(desk.token),
                           service: try await makeService(desk.token, price: price, intervalDays: intervalDays))
    }
}

extension TestContext {
    /// A customer of the setup's salesperson with one of each thing that hangs off a customer: an
    /// appointment booked by the front desk `appointmentDay` days ahead, an action and a lead of the
    /// salesperson.
    func makeCustomerItems(_ s: ClinicSetup, appointmentDay: Int = 5) async throws -> CustomerItems {
        let customer = try await makeCustomer(s.desk.token, salesID: s.sales.id)
        let appointment = createdID(try await bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                              clinic: s.clinic, start: day(appointmentDay)))
        let action = createdID(try await post("/crm/actions", token: s.sales.token,
                                              ["customerId": customer, "actionType": "other", "title": "x"]))
        let lead = createdID(try await post("/crm/leads", token: s.sales.token,
                                            ["source": "website", "firstName": "L", "email": "l@x.test"]))
        return CustomerItems(customer: customer, appointment: appointment, action: action, lead: lead)
    }
}

struct CustomerItems: Sendable {
    let customer: String
    let appointment: String
    let action: String
    let lead: String
}

struct ClinicSetup: Sendable {
    let desk: TestUser
    let sales: TestUser
    let clinic: String
    let service: String
}

/// A day offset from the test clock's start (2025-06-02T09:00:00Z) as an RFC 3339 string.
func day(_ offset: Int, hour: Int = 10) -> String {
    Timestamp.format(Timestamp.parse("2025-06-02T00:00:00Z")!.addingTimeInterval(Double(offset * 86_400 + hour * 3600)))
}

extension Dictionary where Key == String, Value == Any {
    subscript(object key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
    subscript(list key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
    func string(_ key: String) -> String? { self[key] as? String }
    func number(_ key: String) -> Double? { (self[key] as? NSNumber)?.doubleValue }
    func int(_ key: String) -> Int? { (self[key] as? NSNumber)?.intValue }
    func bool(_ key: String) -> Bool? { self[key] as? Bool }
    func isNull(_ key: String) -> Bool { self[key] is NSNull }
}

extension TestContext {
    /// Records and appointments whose copy of the customer's salesperson differs from the customer's.
    func salespersonCopiesOutOfStep() async throws -> Int {
        let row = try await app.db.sql.raw("""
            SELECT
              (SELECT COUNT(*) FROM appointments a JOIN customers c ON c.id = a.customer_id
               WHERE NOT (a.sales_id = c.assigned_sales_id OR (a.sales_id IS NULL AND c.assigned_sales_id IS NULL)))
              + (SELECT COUNT(*) FROM customer_records r JOIN customers c ON c.id = r.customer_id
               WHERE NOT (r.assigned_sales_id = c.assigned_sales_id OR (r.assigned_sales_id IS NULL AND c.assigned_sales_id IS NULL)))
              AS out_of_step
            """).first()
        return try row?.decode(column: "out_of_step", as: Int.self) ?? -1
    }
}

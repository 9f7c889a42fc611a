import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Salesperson analytics")
struct AnalyticsTests {
    let range = "startDate=2025-06-03&endDate=2025-06-04"

    /// A hand-built month for salesperson `s1` with something just outside the range on every side.
    private func buildData(_ t: TestContext) async throws -> (admin: TestUser, desk: TestUser, s1: TestUser, s2: TestUser) {
        let admin = try await t.admin()
        let desk = try await t.makeUser(.secretariat)
        let s1 = try await t.makeUser(.salesperson)
        let s2 = try await t.makeUser(.salesperson)
        let clinic = try await t.makeClinic(desk.token)
        let service = try await t.makeService(desk.token)
        let c1 = try await t.makeCustomer(desk.token, salesID: s1.id)
        let c2 = try await t.makeCustomer(desk.token, salesID: s1.id)
        _ = try await t.makeCustomer(desk.token, email: "third@mail.test", salesID: s1.id)
        let c4 = try await t.makeCustomer(desk.token, salesID: s2.id)

        // Communications logged by s1 (occurredAt decides the range), and one by s2.
        for (type, direction, status, at) in [
            ("call", "outgoing", "completed", "2025-06-02T23:59:59Z"), ("call", "outgoing", "completed", "2025-06-03T00:00:00Z"),
            ("call", "missed", "missed", "2025-06-03T10:00:00Z"), ("call", "incoming", "missed", "2025-06-03T11:00:00Z"),
            ("email", "outgoing", "completed", "2025-06-03T12:00:00Z"), ("note", "outgoing", "completed", "2025-06-04T23:59:59Z"),
            ("call", "outgoing", "completed", "2025-06-05T00:00:00Z"),
        ] {
            _ = t.createdID(try await t.logCommunication(s1.token, customer: c1, type: type, direction: direction,
                                                         status: status, occurredAt: at))
        }
        _ = try await t.logCommunication(s2.token, customer: c4, occurredAt: "2025-06-03T12:00:00Z")

        // A lead before the range.
        _ = try await t.post("/crm/leads", token: desk.token,
                             ["source": "website", "firstName": "Early", "email": "early@mail.test", "assignedSalesId": s1.id])

        // Inside the range: actions and leads created on 2025-06-03 at 10:00.
        t.clock.now = Timestamp.parse("2025-06-03T10:00:00Z")!
        for status in ["pending", "completed", "missed", "cancelled"] {
            _ = t.createdID(try await t.post("/crm/actions", token: desk.token, [
                "customerId": c1, "actionType": "follow_up", "title": status, "status": status,
                "assignedTo": s1.id, "dueDate": "2025-06-03T09:00:00Z",
            ]))
        }
        _ = try await t.post("/crm/actions", token: desk.token,
                             ["customerId": c4, "actionType": "other", "title": "s2", "assignedTo": s2.id])
        var leads: [String: String] = [:]
        for (name, source, email) in [("A", "facebook_ads", "a@lead.test"), ("B", "google_ads", "b@lead.test"),
                                      ("C", "referral", "third@mail.test"), ("D", "website", "d@lead.test"),
                                      ("E", "walk_in", "e@lead.test")] {
            leads[name] = t.createdID(try await t.post("/crm/leads", token: desk.token, [
                "source": source, "firstName": name, "email": email, "assignedSalesId": s1.id,
            ]))
        }
        _ = try await t.post("/crm/leads", token: desk.token,
                             ["source": "website", "firstName": "Other", "email": "o@lead.test", "assignedSalesId": s2.id])
        t.clock.advance(seconds: 30 * 60)
        _ = try await t.patch("/crm/leads/\(leads["A"]!)", token: s1.token, ["status": "contacted"])
        _ = try await t.patch("/crm/leads/\(leads["C"]!)", token: s1.token, ["status": "converted"])
        t.clock.advance(seconds: 60 * 60)
        _ = try await t.patch("/crm/leads/\(leads["B"]!)", token: s1.token, ["status": "qualified"])
        _ = try await t.patch("/crm/leads/\(leads["E"]!)", token: s1.token, ["status": "contacted"])
        // Appointments, back-filled once they have taken place (so no automatic actions).
        t.clock.now = Timestamp.parse("2025-06-05T00:00:00Z")!
        for (customer, start, status, amount) in [
            (c1, "2025-06-03T10:00:00Z", "completed", 100.0), (c1, "2025-06-04T16:00:00Z", "completed", 50.5),
            (c2, "2025-06-01T10:00:00Z", "completed", 999.0), (c2, "2025-06-03T10:00:00Z", "cancelled", 999.0),
            (c4, "2025-06-03T10:00:00Z", "completed", 500.0),
        ] {
            _ = t.createdID(try await t.bookAppointment(desk.token, customer: customer, service: service, clinic: clinic,
                                                        start: start, status: status, amount: amount))
        }
        return (admin, desk, s1, s2)
    }

    @Test func numbersMatchAHandBuiltDataSet() async throws {
        try await withCRM(tokenTTL: 30 * 86_400) { (t: TestContext) async throws in
            let (admin, _, s1, _) = try await buildData(t)
            let res = try await t.get("/crm/analytics/salesperson?\(range)", token: s1.token)
            #expect(res.status == .ok)
            let body = res.json
            let comms = body[object: "communications"]
            #expect(comms.int("total") == 5)
            #expect(comms.int("calls") == 3)
            #expect(comms.int("missedCalls") == 2)
            #expect(comms.int("emails") == 1)
            #expect(comms.int("notes") == 1)
            let actions = body[object: "actions"]
            #expect(actions.int("total") == 4)
            #expect(actions.int("pending") == 1)
            #expect(actions.int("completed") == 1)
            #expect(actions.int("missed") == 1)
            #expect(actions.int("cancelled") == 1)
            #expect(actions.int("overdue") == 1)
            let customers = body[object: "customers"]
            #expect(customers.int("total") == 3)
            #expect(customers.int("repeat") == 1)
            #expect(customers.number("totalRevenue") == 150.5)
            let leads = body[object: "leads"]
            #expect(leads.int("total") == 5)
            #expect(leads.int("converted") == 1)
            #expect(leads.number("conversionRate") == 0.2)
            #expect(leads.number("medianMinutesToFirstContact") == 60)
            let bySource = leads[object: "bySource"]
            for source in ["facebook_ads", "google_ads", "referral", "walk_in", "website"] {
                #expect(bySource.int(source) == 1, "\(source)")
            }
            #expect(body[object: "period"].string("startDate") == "2025-06-03")
            #expect(body[object: "period"].string("endDate") == "2025-06-04")
            #expect(body.string("salespersonId") == s1.id)

            let asAdmin = try await t.get("/crm/analytics/salesperson?\(range)&salespersonId=\(s1.id)", token: admin.token)
            #expect(asAdmin.status == .ok)
            #expect(NSDictionary(dictionary: asAdmin.json) == NSDictionary(dictionary: body))
            let own = try await t.get("/crm/analytics/salesperson?\(range)&salespersonId=\(s1.id)", token: s1.token)
            #expect(own.status == .ok)

            let team = try await t.get("/crm/analytics/salesperson?\(range)", token: admin.token).json
            #expect(team.isNull("salespersonId"))
            #expect(team[object: "communications"].int("total") == 6)
            #expect(team[object: "customers"].int("total") == 4)
            #expect(team[object: "customers"].number("totalRevenue") == 650.5)
            #expect(team[object: "actions"].int("total") == 5)
            #expect(team[object: "leads"].int("total") == 6)
        }
    }

    /// Revenue belongs to the customer's salesperson now: reassigning moves their past visits' revenue.
    @Test func reassigningACustomerMovesTheirRevenue() async throws {
        try await withCRM(tokenTTL: 30 * 86_400) { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let s2 = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            t.clock.now = Timestamp.parse("2025-06-04T00:00:00Z")!  // after the visit
            _ = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                        clinic: s.clinic, start: "2025-06-03T10:00:00Z",
                                                        status: "completed", amount: 120))
            func revenue(_ user: TestUser) async throws -> Double? {
                try await t.get("/crm/analytics/salesperson?\(range)", token: user.token).json[object: "customers"]
                    .number("totalRevenue")
            }
            #expect(try await revenue(s.sales) == 120)
            #expect(try await revenue(s2) == 0)
            let moved = try await t.patch("/crm/customers/\(customer)", token: s.desk.token, ["assignedSalesId": s2.id])
            #expect(moved.status == .ok)
            #expect(try await revenue(s.sales) == 0)
            #expect(try await revenue(s2) == 120)
            _ = try await t.patch("/crm/customers/\(customer)", token: s.desk.token, ["assignedSalesId": NSNull()])
            #expect(try await revenue(s2) == 0)
        }
    }

    /// With an odd number of contacted leads the median is the middle one, not an average of two.
    @Test func medianOfAnOddCountIsTheMiddleValue() async throws {
        try await withCRM(tokenTTL: 30 * 86_400) { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            var leads: [String] = []
            for name in ["A", "B", "C"] {
                leads.append(t.createdID(try await t.post("/crm/leads", token: desk.token, [
                    "source": "website", "firstName": name, "email": "\(name.lowercased())@odd.test", "assignedSalesId": sales.id,
                ])))
            }
            for (lead, minutes) in zip(leads, [10, 10, 40]) {  // contacted 10, 20 and 60 minutes after creation
                t.clock.advance(seconds: Double(minutes * 60))
                #expect(try await t.patch("/crm/leads/\(lead)", token: sales.token, ["status": "contacted"]).status == .ok)
            }
            let leadsBlock = try await t.get("/crm/analytics/salesperson", token: sales.token).json[object: "leads"]
            #expect(leadsBlock.int("total") == 3)
            #expect(leadsBlock.number("medianMinutesToFirstContact") == 20)
        }
    }

    @Test func aSalespersonWithNothingGetsZeros() async throws {
        try await withCRM { (t: TestContext) async throws in
            let idle = try await t.makeUser(.salesperson)
            let body = try await t.get("/crm/analytics/salesperson?startDate=2025-01-01&endDate=2025-12-31", token: idle.token).json
            #expect(body[object: "communications"].int("total") == 0)
            #expect(body[object: "actions"].int("total") == 0)
            #expect(body[object: "customers"].int("total") == 0)
            #expect(body[object: "customers"].number("totalRevenue") == 0)
            #expect(body[object: "leads"].number("conversionRate") == 0)
            #expect(body[object: "leads"].isNull("medianMinutesToFirstContact"))
            #expect(body[object: "leads"][object: "bySource"].count == 5)
        }
    }

    @Test func theDefaultPeriodIsTheLastThirtyDays() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let period = try await t.get("/crm/analytics/salesperson", token: sales.token).json[object: "period"]
            #expect(period.string("startDate") == "2025-05-04")
            #expect(period.string("endDate") == "2025-06-02")
        }
    }

    @Test func rolesAreEnforced() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            let desk = try await t.makeUser(.secretariat)
            #expect(try await t.get("/crm/analytics/salesperson?salespersonId=\(ben.id)", token: anna.token).status == .forbidden)
            #expect(try await t.get("/crm/analytics/salesperson", token: desk.token).status == .forbidden)
            #expect(try await t.get("/crm/analytics/salesperson").status == .unauthorized)
            #expect(try await t.get("/crm/analytics/salesperson?salespersonId=\(ben.id)", token: admin.token).status == .ok)
            #expect(try await t.get("/crm/analytics/salesperson?salespersonId=\(UUID().uuidString)", token: admin.token).status == .notFound)
            #expect(try await t.get("/crm/analytics/salesperson?salespersonId=\(desk.id)", token: admin.token).status == .notFound)
        }
    }

    @Test(arguments: [
        ("startDate=2025-13-01", "startDate"), ("endDate=yesterday", "endDate"),
        ("startDate=2025-06-05&endDate=2025-06-04", "startDate"), ("salespersonId=abc", "salespersonId"),
        ("startDate=2000-01-01&endDate=2025-01-01", "endDate"),
    ])
    func badParametersAreNamed(_ query: String, _ field: String) async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let res = try await t.get("/crm/analytics/salesperson?\(query)", token: admin.token)
            #expect(res.status == .badRequest)
            #expect(res.isProblem)
            #expect(res.errorFields == [field])
        }
    }
}

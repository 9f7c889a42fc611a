import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Repeat customers and follow-up")
struct RetentionTests {
    @Test func repeatCustomersSortByRepeatCountThenLifetimeValue() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            func customer(_ name: String, visits: Int, amount: Double) async throws -> String {
                let id = try await t.makeCustomer(s.desk.token, first: name, last: "Doe", email: "\(name.lowercased())@mail.test")
                for v in 0..<visits {
                    _ = try await t.bookAppointment(s.desk.token, customer: id, service: s.service, clinic: s.clinic,
                                                    start: day(-30 * (v + 1)), status: "completed", amount: amount)
                }
                return id
            }
            let a = try await customer("Ann", visits: 3, amount: 100)   // repeat 2, 300
            let b = try await customer("Bea", visits: 4, amount: 50)    // repeat 3, 200
            let c = try await customer("Cid", visits: 3, amount: 200)   // repeat 2, 600
            _ = try await customer("Dan", visits: 1, amount: 999)       // not a repeat customer
            _ = try await customer("Eve", visits: 0, amount: 0)
            let res = try await t.get("/crm/customers/repeat", token: s.sales.token)
            #expect(res.status == .ok)
            let rows = res.list
            #expect(rows.compactMap { $0.string("customerId") } == [b, c, a])
            let first = try #require(rows.first)
            #expect(first.int("repeatCount") == 3)
            #expect(first.number("lifetimeValue") == 200)
            #expect(first[object: "customer"].string("firstName") == "Bea")
            #expect(first[object: "customer"].string("lastName") == "Doe")
            #expect(first[object: "customer"].string("email") == "bea@mail.test")
            #expect(first.string("lastAppointmentDate") == day(-30))
            #expect(first.string("expectedNextVisit") == "2025-06-02")  // last visit 2025-05-03 + 30 days
            #expect(UUID(uuidString: first.string("id") ?? "") != nil)
            let paged = try await t.collect("/crm/customers/repeat?limit=1", token: s.sales.token)
            #expect(paged.compactMap { $0.string("customerId") } == [b, c, a])

            // A twin of Ann (same repeat count and value), assigned to the salesperson: ties page by id,
            // and the salesperson filter selects.
            let twin = try await t.makeCustomer(s.desk.token, first: "Ann", last: "Twin", salesID: s.sales.id)
            for v in 0..<3 {
                _ = try await t.bookAppointment(s.desk.token, customer: twin, service: s.service, clinic: s.clinic,
                                                start: day(-30 * (v + 1)), status: "completed", amount: 100)
            }
            let all = try await t.get("/crm/customers/repeat", token: s.sales.token).list.compactMap { $0.string("customerId") }
            #expect(Array(all.prefix(2)) == [b, c] && Set(all.suffix(2)) == [a, twin])
            let tied = try await t.collect("/crm/customers/repeat?limit=1", token: s.sales.token)
            #expect(tied.compactMap { $0.string("customerId") } == all)
            let own = try await t.get("/crm/customers/repeat?assignedSalesId=\(s.sales.id)", token: s.sales.token).list
            #expect(own.compactMap { $0.string("customerId") } == [twin])
        }
    }

    @Test func followUpListsNeverContactedFirstThenOldestContact() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let other = try await t.makeUser(.salesperson)
            let desk = try await t.makeUser(.secretariat)
            let never = try await t.makeCustomer(sales.token, first: "Never")
            let old = try await t.makeCustomer(sales.token, first: "Old")
            let edge = try await t.makeCustomer(sales.token, first: "Edge")
            let recent = try await t.makeCustomer(sales.token, first: "Recent")
            let theirs = try await t.makeCustomer(other.token, first: "Theirs")
            _ = try await t.logCommunication(sales.token, customer: old, occurredAt: day(-60, hour: 9))
            // Days are the clinic's calendar days (UTC here): 12 May 23:00 is 21 days before 2 June, though
            // only 20 days and 10 hours by the clock; 13 May 00:00 is 20 days.
            _ = try await t.logCommunication(sales.token, customer: edge, occurredAt: day(-21, hour: 23))
            _ = try await t.logCommunication(sales.token, customer: recent, occurredAt: day(-20, hour: 0))
            _ = try await t.logCommunication(sales.token, customer: recent, type: "note", direction: nil, occurredAt: day(-100))

            let mine = try await t.get("/crm/customers/follow-up?daysThreshold=21", token: sales.token).list
            #expect(mine.compactMap { $0.string("customerId") } == [never, old, edge])
            #expect(mine[0].isNull("daysSinceLastContact") && mine[0].isNull("lastContactDate"))
            #expect(mine[1].int("daysSinceLastContact") == 60)
            #expect(mine[2].int("daysSinceLastContact") == 21)
            #expect(mine[0][object: "customer"].string("firstName") == "Never")

            let defaultThreshold = try await t.get("/crm/customers/follow-up", token: sales.token).list
            #expect(defaultThreshold.compactMap { $0.string("customerId") } == [never, old])
            let named = try await t.get("/crm/customers/follow-up?daysThreshold=21&assignedSalesId=\(other.id)",
                                        token: sales.token).list
            #expect(named.compactMap { $0.string("customerId") } == [theirs])
            let everyone = try await t.get("/crm/customers/follow-up?daysThreshold=21", token: desk.token).list
            #expect(Set(everyone.compactMap { $0.string("customerId") }) == [never, old, edge, theirs])
            let paged = try await t.collect("/crm/customers/follow-up?daysThreshold=1&limit=2", token: desk.token)
            #expect(paged.count == 5)
            #expect(paged.prefix(2).allSatisfy { $0.isNull("lastContactDate") })
            let whole = try await t.get("/crm/customers/follow-up?daysThreshold=1", token: desk.token).list
            let onePerPage = try await t.collect("/crm/customers/follow-up?daysThreshold=1&limit=1", token: desk.token)
            #expect(onePerPage.compactMap { $0.string("customerId") } == whole.compactMap { $0.string("customerId") })
            #expect(Set(whole.compactMap { $0.string("customerId") }).count == 5)
        }
    }

    @Test(arguments: ["daysThreshold=0", "daysThreshold=3651", "daysThreshold=-1", "daysThreshold=ten", "assignedSalesId=x"])
    func followUpParametersAreBounded(_ query: String) async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let res = try await t.get("/crm/customers/follow-up?\(query)", token: sales.token)
            #expect(res.status == .badRequest)
            #expect(res.errorFields == [String(query.split(separator: "=")[0])])
            #expect(try await t.get("/crm/customers/follow-up?daysThreshold=1", token: sales.token).status == .ok)
            #expect(try await t.get("/crm/customers/follow-up?daysThreshold=3650", token: sales.token).status == .ok)
        }
    }

    @Test func reassigningACustomerMovesThemBetweenSalespeoplesLists() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(desk.token, salesID: anna.id)
            #expect(try await t.get("/crm/customers/follow-up", token: anna.token).list.count == 1)
            _ = try await t.patch("/crm/customers/\(customer)", token: desk.token, ["assignedSalesId": ben.id])
            #expect(try await t.get("/crm/customers/follow-up", token: anna.token).list.isEmpty)
            #expect(try await t.get("/crm/customers/follow-up", token: ben.token).list.count == 1)
        }
    }
}

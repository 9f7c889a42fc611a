import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Customers")
struct CustomerTests {
    @Test func createReturnsTheCustomerAndStartsANewRecord() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let res = try await t.post("/crm/customers", token: desk.token, [
                "firstName": " Jane ", "lastName": "Doe", "email": "Jane.Doe@Mail.TEST", "phone": "+41 (79) 123-45-67",
                "dateOfBirth": "1990-04-01", "assignedSalesId": sales.id,
            ])
            #expect(res.status == .created)
            let body = res.json
            #expect(body.string("firstName") == "Jane")
            #expect(body.string("email") == "jane.doe@mail.test")
            #expect(body.string("phone") == "+41791234567")
            #expect(body.string("dateOfBirth") == "1990-04-01")
            #expect(body.string("assignedSalesId") == sales.id)
            #expect(body.string("createdAt") == "2025-06-02T09:00:00.000Z")
            let record = try await t.record(desk.token, customer: body.string("id")!)
            #expect(record[object: "record"].string("customerStatus") == "new")
            #expect(record[object: "record"].int("totalAppointments") == 0)
        }
    }

    @Test func aSalespersonsNewCustomerIsTheirs() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let id = try await t.makeCustomer(sales.token)
            let res = try await t.get("/crm/customers/\(id)", token: sales.token)
            #expect(res.json.string("assignedSalesId") == sales.id)
            let admin = try await t.admin()
            let unassigned = try await t.makeCustomer(admin.token)
            #expect(try await t.get("/crm/customers/\(unassigned)", token: admin.token).json.isNull("assignedSalesId"))
        }
    }

    @Test func createReportsEveryBadField() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let res = try await t.post("/crm/customers", token: desk.token, [
                "firstName": "", "lastName": "Doe", "email": "nope", "phone": "call me", "dateOfBirth": "2999-01-01",
            ])
            #expect(res.status == .badRequest)
            #expect(Set(res.errorFields) == ["firstName", "email", "phone", "dateOfBirth"])
            let missing = try await t.post("/crm/customers", token: desk.token, ["firstName": "A"])
            #expect(missing.errorFields == ["lastName"])
            let badDate = try await t.post("/crm/customers", token: desk.token,
                                           ["firstName": "A", "lastName": "B", "dateOfBirth": "01/02/1990"])
            #expect(badDate.errorFields == ["dateOfBirth"])
        }
    }

    @Test func assignedSalespersonMustBeAnActiveSalesperson() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            for bad in [UUID().uuidString, desk.id] {
                let res = try await t.post("/crm/customers", token: desk.token,
                                           ["firstName": "A", "lastName": "B", "assignedSalesId": bad])
                #expect(res.status == .badRequest)
                #expect(res.errorFields == ["assignedSalesId"])
            }
            let malformed = try await t.post("/crm/customers", token: desk.token,
                                             ["firstName": "A", "lastName": "B", "assignedSalesId": "42"])
            #expect(malformed.errorFields == ["assignedSalesId"])
        }
    }

    @Test func listIsNewestFirstAndPagesThroughEveryCustomerOnce() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            var created: [String] = []
            for i in 0..<7 {
                created.append(try await t.makeCustomer(desk.token, first: "C\(i)"))
                if i != 3 { t.clock.advance(seconds: 60) }  // two share a timestamp: the id breaks the tie
            }
            let all = try await t.collect("/crm/customers?limit=3", token: desk.token)
            #expect(all.count == 7)
            #expect(Set(all.compactMap { $0.string("id") }) == Set(created))
            let times = all.compactMap { $0.string("createdAt") }
            #expect(times == times.sorted(by: >))
            #expect(all.first?.string("firstName") == "C6")
        }
    }

    @Test func searchMatchesNameEmailAndPhoneIgnoringCase() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let anna = try await t.makeCustomer(desk.token, first: "Anna", last: "Müller", email: "anna@alpha.test",
                                                phone: "+41791112233")
            let bob = try await t.makeCustomer(desk.token, first: "Bob", last: "Percent%", email: "bob@beta.test")
            func search(_ q: String) async throws -> [String] {
                let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q
                return try await t.get("/crm/customers?search=\(encoded)", token: desk.token).list.compactMap { $0.string("id") }
            }
            #expect(try await search("ANNA") == [anna])
            #expect(try await search("müller") == [anna])
            #expect(try await search("ALPHA.TEST") == [anna])
            #expect(try await search("1112233") == [anna])
            #expect(try await search("111 22-33") == [anna], "typed with separators, as leads are searched")
            #expect(try await search("%") == [bob])
            #expect(try await search("_") == [])
            #expect(Set(try await search("test")) == [anna, bob])
        }
    }

    @Test func listFiltersByStatusAndSalesperson() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let mine = try await t.makeCustomer(desk.token, salesID: sales.id)
            let vip = try await t.makeCustomer(desk.token)
            _ = try await t.put("/crm/customers/\(vip)/record", token: desk.token, ["customerStatus": "vip"])
            let bySales = try await t.get("/crm/customers?assignedSalesId=\(sales.id)", token: desk.token)
            #expect(bySales.list.compactMap { $0.string("id") } == [mine])
            let byStatus = try await t.get("/crm/customers?status=vip", token: desk.token)
            #expect(byStatus.list.compactMap { $0.string("id") } == [vip])
            let newOnes = try await t.get("/crm/customers?status=new", token: desk.token)
            #expect(newOnes.list.compactMap { $0.string("id") } == [mine])
            let bad = try await t.get("/crm/customers?status=gold", token: desk.token)
            #expect(bad.status == .badRequest)
            #expect(bad.errorFields == ["status"])
            #expect(try await t.get("/crm/customers?assignedSalesId=x", token: desk.token).errorFields == ["assignedSalesId"])
        }
    }

    @Test func getAndPatch() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let id = try await t.makeCustomer(desk.token, first: "Jane", phone: "+41791234567")
            #expect(try await t.get("/crm/customers/\(UUID().uuidString)", token: desk.token).status == .notFound)
            #expect(try await t.get("/crm/customers/nope", token: desk.token).errorFields == ["id"])
            t.clock.advance(seconds: 30)
            let res = try await t.patch("/crm/customers/\(id)", token: desk.token, ["lastName": "Smith", "phone": NSNull()])
            #expect(res.status == .ok)
            #expect(res.json.string("firstName") == "Jane")
            #expect(res.json.string("lastName") == "Smith")
            #expect(res.json.isNull("phone"))
            #expect(res.json.string("updatedAt") == "2025-06-02T09:00:30.000Z")
            #expect(try await t.patch("/crm/customers/\(id)", token: desk.token, ["email": "bad"]).errorFields == ["email"])
            #expect(try await t.get("/crm/customers?search=smith", token: desk.token).list.count == 1)
        }
    }

    @Test func onlyFrontDeskAndManagersReassignASalespersonMayClaim() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let anna = try await t.makeUser(.salesperson)
            let ben = try await t.makeUser(.salesperson)
            let annas = try await t.makeCustomer(desk.token, salesID: anna.id)
            let free = try await t.makeCustomer(desk.token)
            #expect(try await t.patch("/crm/customers/\(annas)", token: ben.token, ["assignedSalesId": ben.id]).status == .forbidden)
            #expect(try await t.patch("/crm/customers/\(free)", token: ben.token, ["assignedSalesId": anna.id]).status == .forbidden)
            let claim = try await t.patch("/crm/customers/\(free)", token: ben.token, ["assignedSalesId": ben.id])
            #expect(claim.json.string("assignedSalesId") == ben.id)
            let moved = try await t.patch("/crm/customers/\(annas)", token: desk.token, ["assignedSalesId": ben.id])
            #expect(moved.json.string("assignedSalesId") == ben.id)
            let cleared = try await t.patch("/crm/customers/\(annas)", token: desk.token, ["assignedSalesId": NSNull()])
            #expect(cleared.json.isNull("assignedSalesId"))
        }
    }

    @Test(arguments: [UserRole.salesperson, .secretariat, .admin])
    func everyRoleReadsAndWritesCustomers(_ role: UserRole) async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(role)
            let id = try await t.makeCustomer(user.token)
            #expect(try await t.get("/crm/customers/\(id)", token: user.token).status == .ok)
            #expect(try await t.get("/crm/customers", token: user.token).status == .ok)
            #expect(try await t.patch("/crm/customers/\(id)", token: user.token, ["firstName": "X"]).status == .ok)
            #expect(try await t.get("/crm/customers/\(id)/record", token: user.token).status == .ok)
            #expect(try await t.put("/crm/customers/\(id)/record", token: user.token, ["notes": "n"]).status == .ok)
            #expect(try await t.get("/crm/customers").status == .unauthorized)
        }
    }
}

@Suite("Clinics and services")
struct CatalogTests {
    @Test func frontDeskCreatesClinicsAndServicesEveryoneReads() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let clinic = try await t.post("/crm/clinics", token: desk.token,
                                          ["name": "Beauty Clinic", "address": "Main St 1", "phone": "+41 44 000 00 00"])
            #expect(clinic.status == .created)
            #expect(clinic.json.string("name") == "Beauty Clinic")
            #expect(clinic.json.string("phone") == "+41440000000")
            let service = try await t.post("/crm/services", token: desk.token,
                                           ["name": "Botox Treatment", "price": 150.5, "typicalIntervalDays": 90])
            #expect(service.status == .created)
            #expect(service.json.number("price") == 150.5)
            #expect(service.json.int("typicalIntervalDays") == 90)
            let noInterval = try await t.post("/crm/services", token: desk.token, ["name": "Consultation", "price": 0])
            #expect(noInterval.json.isNull("typicalIntervalDays"))

            #expect(try await t.get("/crm/clinics", token: sales.token).list.count == 1)
            let services = try await t.get("/crm/services", token: sales.token).list
            #expect(services.compactMap { $0.string("name") } == ["Botox Treatment", "Consultation"])
            #expect(try await t.post("/crm/clinics", token: sales.token, ["name": "Mine"]).status == .forbidden)
            #expect(try await t.post("/crm/services", token: sales.token, ["name": "Mine", "price": 1]).status == .forbidden)
        }
    }

    @Test func namesAreUniqueIgnoringCase() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            _ = try await t.makeClinic(admin.token, name: "Laser Center")
            #expect(try await t.post("/crm/clinics", token: admin.token, ["name": "laser center"]).status == .conflict)
            _ = try await t.makeService(admin.token, name: "Fillers")
            #expect(try await t.post("/crm/services", token: admin.token, ["name": "FILLERS", "price": 1]).status == .conflict)
        }
    }

    @Test func serviceInputIsValidated() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            for (body, field) in [
                (["name": "A", "price": -1] as [String: Any], "price"),
                (["name": "A", "price": 1.005], "price"),
                (["name": "A", "price": "12"], "price"),
                (["name": "A"], "price"),
                (["name": "A", "price": 1, "typicalIntervalDays": 0], "typicalIntervalDays"),
                (["name": " ", "price": 1], "name"),
            ] {
                let res = try await t.post("/crm/services", token: admin.token, body)
                #expect(res.status == .badRequest)
                #expect(res.errorFields == [field], "\(body)")
            }
        }
    }

    @Test func catalogListsPage() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            for i in 0..<5 { _ = try await t.makeClinic(admin.token, name: "Clinic \(i)") }
            let all = try await t.collect("/crm/clinics?limit=2", token: admin.token)
            #expect(all.compactMap { $0.string("name") } == (0..<5).map { "Clinic \($0)" })
        }
    }
}

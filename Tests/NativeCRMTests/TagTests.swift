import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Tags")
struct TagTests {
    @Test func adminManagesTheCatalogueEveryoneReadsIt() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let sales = try await t.makeUser(.salesperson)
            let desk = try await t.makeUser(.secretariat)
            let vip = try await t.post("/crm/tags", token: admin.token,
                                       ["name": "VIP", "color": "#ffd700", "description": "Top customers"])
            #expect(vip.status == .created)
            #expect(vip.json.string("name") == "VIP")
            #expect(vip.json.string("color") == "#ffd700")  // as sent
            #expect(try await t.post("/crm/tags", token: admin.token, ["name": "vip"]).status == .conflict)
            for user in [sales, desk] {
                #expect(try await t.post("/crm/tags", token: user.token, ["name": "Mine"]).status == .forbidden)
                #expect(try await t.patch("/crm/tags/\(vip.json.string("id")!)", token: user.token, ["name": "X"]).status == .forbidden)
                #expect(try await t.request(.DELETE, "/crm/tags/\(vip.json.string("id")!)", token: user.token).status == .forbidden)
                #expect(try await t.get("/crm/tags", token: user.token).list.count == 1)
            }
            let id = vip.json.string("id")!
            let renamed = try await t.patch("/crm/tags/\(id)", token: admin.token, ["name": "Very Important", "color": NSNull()])
            #expect(renamed.json.string("name") == "Very Important")
            #expect(renamed.json.isNull("color"))
            #expect(renamed.json.string("description") == "Top customers")
            _ = t.createdID(try await t.post("/crm/tags", token: admin.token, ["name": "Price-Sensitive"]))
            #expect(try await t.patch("/crm/tags/\(id)", token: admin.token, ["name": "price-sensitive"]).status == .conflict)
            #expect(try await t.post("/crm/tags", token: admin.token, ["name": "X", "color": "gold"]).errorFields == ["color"])
            #expect(try await t.patch("/crm/tags/\(UUID().uuidString)", token: admin.token, ["name": "Y"]).status == .notFound)
            #expect(try await t.patch("/crm/tags/nope", token: admin.token, ["name": "Y"]).errorFields == ["tagId"])
        }
    }

    @Test func taggingACustomerAsTheSeedShows() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let sales = try await t.makeUser(.salesperson)
            let tag = t.createdID(try await t.post("/crm/tags", token: admin.token, ["name": "VIP"]))
            let other = t.createdID(try await t.post("/crm/tags", token: admin.token, ["name": "High-Value"]))
            let customer = try await t.makeCustomer(sales.token)
            let res = try await t.post("/crm/customers/\(customer)/tags", token: sales.token,
                                       ["tagId": tag, "notes": "Spent over $5000 in last 6 months"])
            #expect(res.status == .created)
            let attachment = res.json
            #expect(attachment.string("customerId") == customer)
            #expect(attachment[object: "tag"].string("id") == tag)
            #expect(attachment[object: "tag"].string("name") == "VIP")
            #expect(attachment.string("notes") == "Spent over $5000 in last 6 months")
            #expect(attachment.string("addedBy") == sales.id)
            #expect(attachment.string("createdAt") == "2025-06-02T09:00:00.000Z")
            let twice = try await t.post("/crm/customers/\(customer)/tags", token: sales.token, ["tagId": tag])
            #expect(twice.status == .conflict)
            t.clock.advance(seconds: 5)
            _ = t.createdID(try await t.post("/crm/customers/\(customer)/tags", token: sales.token, ["tagId": other]))

            let record = try await t.record(sales.token, customer: customer)
            let tags = record[list: "tags"]
            #expect(tags.compactMap { $0[object: "tag"].string("name") } == ["VIP", "High-Value"])
            #expect(tags.first?.string("notes") == "Spent over $5000 in last 6 months")
            #expect(tags.first?.string("addedBy") == sales.id)

            let removed = try await t.request(.DELETE, "/crm/customer-tags/\(attachment.string("id")!)", token: sales.token)
            #expect(removed.status == .noContent)
            #expect(try await t.record(sales.token, customer: customer)[list: "tags"].count == 1)
            #expect(try await t.request(.DELETE, "/crm/customer-tags/\(attachment.string("id")!)", token: sales.token).status == .notFound)
        }
    }

    @Test func badAttachmentsAreRefused() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let tag = t.createdID(try await t.post("/crm/tags", token: admin.token, ["name": "VIP"]))
            let customer = try await t.makeCustomer(admin.token)
            let unknownTag = try await t.post("/crm/customers/\(customer)/tags", token: admin.token, ["tagId": UUID().uuidString])
            #expect(unknownTag.status == .badRequest)
            #expect(unknownTag.errorFields == ["tagId"])
            #expect(try await t.post("/crm/customers/\(customer)/tags", token: admin.token, ["tagId": "vip-tag-id"]).errorFields == ["tagId"])
            #expect(try await t.post("/crm/customers/\(customer)/tags", token: admin.token, [:]).errorFields == ["tagId"])
            #expect(try await t.post("/crm/customers/\(UUID().uuidString)/tags", token: admin.token, ["tagId": tag]).status == .notFound)
        }
    }

    @Test func customersByTagAndTheTagFilter() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let vip = t.createdID(try await t.post("/crm/tags", token: admin.token, ["name": "VIP"]))
            let price = t.createdID(try await t.post("/crm/tags", token: admin.token, ["name": "Price-Sensitive"]))
            var tagged: [String] = []
            for i in 0..<5 {
                let customer = try await t.makeCustomer(admin.token, first: "C\(i)")
                if i != 2 {
                    _ = t.createdID(try await t.post("/crm/customers/\(customer)/tags", token: admin.token, ["tagId": vip]))
                    tagged.append(customer)
                }
                if i == 2 { _ = try await t.post("/crm/customers/\(customer)/tags", token: admin.token, ["tagId": price]) }
                t.clock.advance(seconds: 10)
            }
            let byTag = try await t.collect("/crm/tags/\(vip)/customers?limit=3", token: admin.token)
            #expect(byTag.compactMap { $0.string("id") } == tagged.reversed())
            #expect(byTag.first?.string("firstName") == "C4")
            let filtered = try await t.get("/crm/customers?tagId=\(vip)", token: admin.token).list
            #expect(Set(filtered.compactMap { $0.string("id") }) == Set(tagged))
            #expect(try await t.get("/crm/customers?tagId=bad", token: admin.token).errorFields == ["tagId"])
            #expect(try await t.get("/crm/tags/\(UUID().uuidString)/customers", token: admin.token).status == .notFound)

            #expect(try await t.request(.DELETE, "/crm/tags/\(vip)", token: admin.token).status == .noContent)
            #expect(try await t.get("/crm/customers?tagId=\(vip)", token: admin.token).list.isEmpty)
            #expect(try await t.record(admin.token, customer: tagged[0])[list: "tags"].isEmpty)
            #expect(try await t.get("/crm/tags", token: admin.token).list.count == 1)
        }
    }
}

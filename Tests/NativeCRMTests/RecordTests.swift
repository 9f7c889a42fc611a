import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Customer record")
struct RecordTests {
    @Test func visitsZeroThirtyAndNinetyDaysApartAverageFortyFive() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup(intervalDays: 90)
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            for (offset, amount) in [(-90, 100.0), (-60, 200.0), (0, 300.5)] {
                _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                                start: day(offset, hour: 8), status: "completed", amount: amount)
            }
            _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                            start: day(-10), status: "cancelled", amount: 999)
            _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                            start: day(-5), status: "no_show", amount: 999)
            _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                            start: day(-1), status: "scheduled")   // in the past: not "next"
            _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                            start: day(20), status: "scheduled")
            _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                            start: day(14, hour: 15), status: "confirmed")
            let body = try await t.record(s.sales.token, customer: customer)
            let record = body[object: "record"]
            #expect(record.int("totalAppointments") == 8)
            #expect(record.int("completedAppointments") == 3)
            #expect(record.int("cancelledAppointments") == 1)
            #expect(record.number("lifetimeValue") == 600.5)
            #expect(record.string("lastAppointmentDate") == "2025-06-02T08:00:00.000Z")
            #expect(record.string("nextAppointmentDate") == "2025-06-16T15:00:00.000Z")
            #expect(record.number("averageDaysBetweenVisits") == 45)
            #expect(record.bool("isRepeatCustomer") == true)
            #expect(record.int("repeatCount") == 2)
            #expect(record.string("expectedNextVisit") == "2025-07-17")
            #expect(record.string("customerId") == customer)
            let history = record[list: "treatmentHistory"]
            #expect(history.count == 3)
            #expect(history.compactMap { $0.number("totalAmount") } == [300.5, 200, 100])
            let summary = body[object: "summary"]
            #expect(summary.int("totalAppointments") == 8)
            #expect(summary.int("completedAppointments") == 3)
            #expect(summary.number("lifetimeValue") == 600.5)
            #expect(summary.string("lastAppointment") == "2025-06-02T08:00:00.000Z")
            #expect(summary.string("nextAppointment") == "2025-06-16T15:00:00.000Z")
            #expect(summary.bool("isRepeatCustomer") == true)
            #expect(summary.int("repeatCount") == 2)
            let appointments = body[list: "appointments"]
            #expect(appointments.count == 8)
            let first = try #require(appointments.first)
            for key in ["id", "serviceName", "clinicName", "startTime", "status", "totalAmount", "treatmentDetails"] {
                #expect(first[key] != nil, "appointment has \(key)")
            }
            #expect(body[list: "tags"].isEmpty)
            #expect(body["communications"] is [Any] && body["actions"] is [Any])
        }
    }

    /// The record embeds the newest `viewLimit` appointments; with more than that, the visits and the
    /// next appointment still come from all of them (here every embedded one is a later booking).
    @Test func moreAppointmentsThanTheRecordEmbeds() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup(intervalDays: 90)
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            for (offset, amount) in [(-60, 100.0), (-30, 200.0)] {
                _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                                start: day(offset), status: "completed", amount: amount)
            }
            for offset in 0..<RecordView.viewLimit {
                _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                                start: day(30 + offset), status: "scheduled")
            }
            let body = try await t.record(s.sales.token, customer: customer)
            let record = body[object: "record"]
            #expect(body[list: "appointments"].count == RecordView.viewLimit)
            #expect(record.int("totalAppointments") == RecordView.viewLimit + 2)
            #expect(record.string("nextAppointmentDate") == day(30))
            #expect(record[list: "treatmentHistory"].compactMap { $0.number("totalAmount") } == [200, 100])
        }
    }

    @Test func oneVisitPredictsFromTheServiceInterval() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup(intervalDays: 90)
            let noInterval = try await t.makeService(s.desk.token, intervalDays: nil)
            let customer = try await t.makeCustomer(s.desk.token)
            _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                            start: "2025-01-15T10:00:00Z", status: "completed")
            let record = try await t.record(s.desk.token, customer: customer)[object: "record"]
            #expect(record.string("expectedNextVisit") == "2025-04-15")
            #expect(record.isNull("averageDaysBetweenVisits"))
            #expect(record.bool("isRepeatCustomer") == false)
            #expect(record.int("repeatCount") == 0)

            let other = try await t.makeCustomer(s.desk.token)
            _ = try await t.bookAppointment(s.desk.token, customer: other, service: noInterval, clinic: s.clinic,
                                            start: "2025-01-15T10:00:00Z", status: "completed")
            #expect(try await t.record(s.desk.token, customer: other)[object: "record"].isNull("expectedNextVisit"))
        }
    }

    @Test func aNewCustomerHasAnEmptyRecordWithEveryKey() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let customer = try await t.makeCustomer(desk.token)
            let record = try await t.record(desk.token, customer: customer)[object: "record"]
            let keys = ["id", "customerId", "customerStatus", "lifetimeValue", "totalAppointments", "completedAppointments",
                        "cancelledAppointments", "lastAppointmentDate", "nextAppointmentDate", "lastContactDate",
                        "averageDaysBetweenVisits", "isRepeatCustomer", "repeatCount", "expectedNextVisit", "notes",
                        "preferences", "treatmentHistory"]
            for key in keys { #expect(record[key] != nil, "record has \(key)") }
            #expect(record.number("lifetimeValue") == 0)
            #expect(record.isNull("lastContactDate") && record.isNull("expectedNextVisit"))
            #expect(try await t.get("/crm/customers/\(UUID().uuidString)/record", token: desk.token).status == .notFound)
        }
    }

    @Test func lastContactIgnoresNotesAndUnfinishedCommunications() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            _ = try await t.logCommunication(sales.token, customer: customer, type: "email", occurredAt: day(-3))
            _ = try await t.logCommunication(sales.token, customer: customer, type: "note", direction: nil, occurredAt: day(-1))
            _ = try await t.logCommunication(sales.token, customer: customer, status: "no_answer", occurredAt: day(-2))
            _ = try await t.logCommunication(sales.token, customer: customer, type: "sms", status: "scheduled",
                                             extra: ["scheduledAt": day(3)])
            let record = try await t.record(sales.token, customer: customer)[object: "record"]
            #expect(record.string("lastContactDate") == day(-3))
        }
    }

    @Test func putChangesStatusNotesAndMergesPreferences() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let first = try await t.put("/crm/customers/\(customer)/record", token: sales.token, [
                "customerStatus": "vip", "notes": "High-value client, prefers premium services",
                "preferences": ["preferredTime": "morning", "preferredServices": ["botox", "fillers"]],
            ])
            #expect(first.status == .ok)
            #expect(first.json.string("customerStatus") == "vip")
            #expect(first.json.string("notes") == "High-value client, prefers premium services")
            #expect(first.json[object: "preferences"].string("preferredTime") == "morning")
            let second = try await t.put("/crm/customers/\(customer)/record", token: sales.token, [
                "preferences": ["preferredTime": NSNull(), "language": "de"],
            ])
            #expect(second.json.string("customerStatus") == "vip", "absent fields stay")
            #expect(second.json.string("notes") == "High-value client, prefers premium services")
            let preferences = second.json[object: "preferences"]
            #expect(preferences["preferredTime"] == nil)
            #expect(preferences.string("language") == "de")
            #expect((preferences["preferredServices"] as? [String]) == ["botox", "fillers"])
            let cleared = try await t.put("/crm/customers/\(customer)/record", token: sales.token, ["notes": NSNull()])
            #expect(cleared.json.isNull("notes"))
            let record = try await t.record(sales.token, customer: customer)[object: "record"]
            #expect(record.string("customerStatus") == "vip")
        }
    }

    /// The record block a PUT answers with carries the same derived fields as the GET.
    @Test func putAnswersWithTheNextAppointmentAndVisits() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                            start: day(-10), status: "completed", amount: 80)
            _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                            start: day(6), status: "scheduled")
            let put = try await t.put("/crm/customers/\(customer)/record", token: s.sales.token, ["notes": "Prefers mornings"])
            #expect(put.status == .ok)
            #expect(put.json.string("nextAppointmentDate") == day(6))
            #expect(put.json[list: "treatmentHistory"].compactMap { $0.number("totalAmount") } == [80])
            let get = try await t.record(s.sales.token, customer: customer)[object: "record"]
            #expect(get.string("nextAppointmentDate") == put.json.string("nextAppointmentDate"))
            #expect(get[list: "treatmentHistory"].count == 1)
        }
    }

    @Test func putRefusesDerivedFieldsNamingEach() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let res = try await t.put("/crm/customers/\(customer)/record", token: sales.token, [
                "customerStatus": "vip", "lifetimeValue": 10_000, "repeatCount": 9, "expectedNextVisit": "2030-01-01",
            ])
            #expect(res.status == .badRequest)
            #expect(Set(res.errorFields) == ["lifetimeValue", "repeatCount", "expectedNextVisit"])
            let record = try await t.record(sales.token, customer: customer)[object: "record"]
            #expect(record.string("customerStatus") == "new", "nothing was written")
            let badStatus = try await t.put("/crm/customers/\(customer)/record", token: sales.token, ["customerStatus": "gold"])
            #expect(badStatus.errorFields == ["customerStatus"])
            let badPrefs = try await t.put("/crm/customers/\(customer)/record", token: sales.token, ["preferences": [1, 2]])
            #expect(badPrefs.errorFields == ["preferences"])
            let notObject = try await t.request(.PUT, "/crm/customers/\(customer)/record", token: sales.token, raw: "[1]")
            #expect(notObject.status == .badRequest)
            #expect(try await t.put("/crm/customers/\(UUID().uuidString)/record", token: sales.token, ["notes": "x"]).status == .notFound)
        }
    }
}

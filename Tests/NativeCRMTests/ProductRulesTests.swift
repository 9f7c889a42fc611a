import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// The rules a front desk and a salesperson trip over in a day: appointments that cannot be right,
/// a catalogue that cannot change, scheduled calls that cannot be closed, reminders to the wrong person.
@Suite("Product rules")
struct ProductRulesTests {
    private func job(_ t: TestContext, zone: String = "UTC") -> SendTimedNotificationsJob {
        SendTimedNotificationsJob(db: t.app.db, clock: t.app.clock, reminderMinutes: 15,
                                  clinicTime: ClinicTime(zone: TimeZone(identifier: zone)!))
    }

    private func confirmation(_ t: TestContext, _ s: ClinicSetup, appointment: String) async throws -> [String: Any] {
        let actions = try await t.collect("/crm/actions?status=pending", token: s.desk.token)
        return try #require(actions.first { $0.string("relatedAppointmentId") == appointment })
    }

    @Test func aConfirmationIsNeverDueBeforeItIsCreatedNorAfterTheStart() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            // now = 2025-06-02T09:00Z
            let cases: [(start: String, due: String)] = [
                ("2025-06-05T10:00:00Z", "2025-06-04T10:00:00.000Z"),  // 24 h before
                ("2025-06-02T15:00:00Z", "2025-06-02T10:00:00.000Z"),  // in an hour
                ("2025-06-02T09:30:00Z", "2025-06-02T09:30:00.000Z"),  // at the start
            ]
            for (start, due) in cases {
                let booked = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                         clinic: s.clinic, start: start)
                let id = t.createdID(booked)
                #expect(try await confirmation(t, s, appointment: id).string("dueDate") == due, "\(start)")
            }
            let report = try await job(t).run(at: t.clock.now)
            #expect(report.tasksOverdue == 0)
            // Moved to tomorrow 08:00: 24 h before has passed, so due in an hour.
            let moving = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                                 clinic: s.clinic, start: "2025-06-10T10:00:00Z"))
            let moved = try await t.patch("/crm/appointments/\(moving)", token: s.desk.token, ["startTime": "2025-06-03T08:00:00Z"])
            #expect(moved.status == .ok, "\(moved.text)")
            #expect(try await confirmation(t, s, appointment: moving).string("dueDate") == "2025-06-02T10:00:00.000Z")
        }
    }

    @Test func anAppointmentIsCompletedOrMissedOnlyOnceItHasStarted() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let id = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                             clinic: s.clinic, start: day(2)))
            for status in ["completed", "no_show"] {
                let res = try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["status": status])
                #expect(res.status == .conflict)
                #expect(res.json.string("type") == "urn:native-crm:problem:appointment-not-started")
            }
            let future = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                                     start: day(4), status: "completed")
            #expect(future.status == .conflict)
            #expect(try await t.record(s.desk.token, customer: customer)[object: "record"].isNull("lastAppointmentDate"))
            t.clock.advance(seconds: 3 * 86_400)
            let desk = try await t.makeUser(.secretariat)  // a token of the new day
            #expect(try await t.patch("/crm/appointments/\(id)", token: desk.token, ["status": "completed"]).status == .ok)
        }
    }

    @Test func aCustomerCannotBeBookedTwiceAtTheSameTime() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let other = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let first = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                                clinic: s.clinic, start: "2025-06-10T10:00:00Z"))
            let clash = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                                    start: "2025-06-10T10:15:00Z")
            #expect(clash.status == .conflict)
            #expect(clash.json.string("type") == "urn:native-crm:problem:appointment-overlap")
            #expect(clash.json.string("detail")?.contains(first) == true)
            #expect(clash.errorFields == ["startTime"])
            // Back to back (30 minutes without an end or a service duration) and another customer: fine.
            let next = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                               clinic: s.clinic, start: "2025-06-10T10:30:00Z"))
            _ = t.createdID(try await t.bookAppointment(s.desk.token, customer: other, service: s.service, clinic: s.clinic,
                                                        start: "2025-06-10T10:00:00Z"))
            let explicitEnd = try await t.post("/crm/appointments", token: s.desk.token, [
                "customerId": customer, "serviceId": s.service, "clinicId": s.clinic,
                "startTime": "2025-06-10T09:00:00Z", "endTime": "2025-06-10T10:05:00Z"])
            #expect(explicitEnd.status == .conflict)
            // A move onto the other one is refused; once that one is cancelled the slot is free.
            let move = try await t.patch("/crm/appointments/\(next)", token: s.desk.token, ["startTime": "2025-06-10T10:10:00Z"])
            #expect(move.status == .conflict)
            #expect(move.json.string("detail")?.contains(first) == true)
            #expect(try await t.patch("/crm/appointments/\(first)", token: s.desk.token, ["status": "cancelled"]).status == .ok)
            #expect(try await t.patch("/crm/appointments/\(next)", token: s.desk.token, ["startTime": "2025-06-10T10:10:00Z"]).status == .ok)
            let long = try await t.post("/crm/appointments", token: s.desk.token, [
                "customerId": other, "serviceId": s.service, "clinicId": s.clinic,
                "startTime": "2025-06-20T09:00:00Z", "endTime": "2025-06-22T10:05:00Z"])
            #expect(long.errorFields == ["endTime"])
        }
    }

    @Test func parallelBookingsOfOneSlotGiveOneAppointment() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for minute in 0..<8 {
                    group.addTask {
                        try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                                    start: "2025-06-10T10:0\(minute):00Z").status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses.map(\.code))")
            #expect(statuses.filter { $0 == .conflict }.count == 7, "\(statuses.map(\.code))")
            #expect(try await t.get("/crm/appointments?customerId=\(customer)", token: s.desk.token).list.count == 1)
        }
    }

    @Test func clinicsAndServicesCanBeChangedByTheFrontDesk() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup(price: 150)
            let admin = try await t.admin()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let booked = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                                 clinic: s.clinic, start: day(3)))
            let clinic = try await t.patch("/crm/clinics/\(s.clinic)", token: s.desk.token,
                                           ["name": "Lakeside", "address": "Seestrasse 1", "phone": "044 123 45 67"])
            #expect(clinic.status == .ok, "\(clinic.text)")
            #expect(clinic.json.string("name") == "Lakeside")
            #expect(clinic.json.string("address") == "Seestrasse 1")
            #expect(clinic.headers.first(name: .eTag) == "\"2\"")
            let cleared = try await t.patch("/crm/clinics/\(s.clinic)", token: s.desk.token, ["address": NSNull()])
            #expect(cleared.json.isNull("address"))
            let service = try await t.request(.PATCH, "/crm/services/\(s.service)", token: s.desk.token,
                                              json: ["price": 180, "typicalIntervalDays": 120], headers: [("If-Match", "\"1\"")])
            #expect(service.status == .ok, "\(service.text)")
            #expect(service.json.number("price") == 180)
            #expect(service.json.int("typicalIntervalDays") == 120)
            let stale = try await t.request(.PATCH, "/crm/services/\(s.service)", token: s.desk.token,
                                            json: ["price": 190], headers: [("If-Match", "\"1\"")])
            #expect(stale.status == .preconditionFailed)
            let bad = try await t.patch("/crm/services/\(s.service)", token: s.desk.token,
                                        ["price": -1, "typicalIntervalDays": 0, "durationMinutes": 1.5])
            #expect(Set(bad.errorFields) == ["price", "typicalIntervalDays", "durationMinutes"])
            let taken = try await t.makeService(s.desk.token, name: "Laser")
            #expect(try await t.patch("/crm/services/\(taken)", token: s.desk.token, ["name": "laser"]).status == .ok)
            let other = try await t.makeService(s.desk.token, name: "Filler")
            #expect(try await t.patch("/crm/services/\(other)", token: s.desk.token, ["name": "LASER"]).status == .conflict)
            #expect(try await t.patch("/crm/clinics/\(s.clinic)", token: s.sales.token, ["name": "Mine"]).status == .forbidden)
            #expect(try await t.patch("/crm/clinics/\(UUID())", token: s.desk.token, ["name": "None"]).status == .notFound)
            // Booked appointments keep the amount they were booked at.
            let appointment = try await t.get("/crm/appointments/\(booked)", token: s.desk.token)
            #expect(appointment.json.number("totalAmount") == 150)
            let audit = try await t.get("/crm/audit?entityId=\(s.service)", token: admin.token).list
            #expect(audit.contains { $0.string("action") == "update" })
        }
    }

    @Test func aScheduledCallTakesPlaceMovesOrIsCancelled() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let stranger = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(desk.token, salesID: sales.id)
            let scheduled = try await t.logCommunication(desk.token, customer: customer, status: "scheduled",
                                                         extra: ["scheduledAt": "2025-06-02T09:10:00Z", "subject": "Callback"])
            let id = t.createdID(scheduled)
            #expect(scheduled.headers.first(name: .eTag) == "\"1\"")
            #expect(scheduled.json.string("updatedAt") == "2025-06-02T09:00:00.000Z")
            // The reminder goes to the customer's salesperson and names the customer.
            #expect(try await job(t).run(at: t.clock.now).communicationReminders == 1)
            let note = try #require(try await t.get("/crm/notifications", token: sales.token).list.first)
            #expect(note.string("type") == "communication_reminder")
            #expect(note.string("body")?.contains("Jane Doe") == true)
            #expect(note.string("body")?.contains("2025-06-02 09:10 (UTC)") == true)
            #expect(try await t.get("/crm/notifications", token: desk.token).list.isEmpty)
            // Moved: the reminder moves with it.
            t.clock.advance(seconds: 60)
            let moved = try await t.request(.PATCH, "/crm/communications/\(id)", token: desk.token,
                                            json: ["scheduledAt": "2025-06-02T09:12:00Z"], headers: [("If-Match", "\"1\"")])
            #expect(moved.status == .ok, "\(moved.text)")
            #expect(moved.json.string("updatedAt") == "2025-06-02T09:01:00.000Z")
            #expect(try await job(t).run(at: t.clock.now).communicationReminders == 1)
            #expect(try await t.request(.PATCH, "/crm/communications/\(id)", token: desk.token,
                                        json: ["notes": "x"], headers: [("If-Match", "\"1\"")]).status == .preconditionFailed)
            #expect(try await t.patch("/crm/communications/\(id)", token: stranger.token, ["notes": "x"]).status == .forbidden)
            #expect(try await t.patch("/crm/communications/\(id)", token: desk.token, ["type": "email"]).errorFields == ["type"])
            // It took place: the record counts it like a newly logged call.
            #expect(try await t.record(sales.token, customer: customer)[object: "record"].isNull("lastContactDate"))
            t.clock.advance(seconds: 600)
            let done = try await t.patch("/crm/communications/\(id)", token: sales.token,
                                         ["status": "completed", "notes": "Booked a filler consultation"])
            #expect(done.status == .ok, "\(done.text)")
            #expect(done.json.string("occurredAt") == "2025-06-02T09:11:00.000Z")
            let record = try await t.record(sales.token, customer: customer)[object: "record"]
            #expect(record.string("lastContactDate") == "2025-06-02T09:11:00.000Z")
            #expect(record.string("customerStatus") == "contacted")
            let closed = try await t.patch("/crm/communications/\(id)", token: desk.token, ["status": "missed"])
            #expect(closed.status == .conflict)
            #expect(closed.json.string("type") == "urn:native-crm:problem:communication-closed")
            #expect(try await t.patch("/crm/communications/\(id)", token: desk.token, ["subject": "Callback done"]).status == .ok)
            // A cancelled one is never reminded of.
            let later = t.createdID(try await t.logCommunication(sales.token, customer: customer, status: "scheduled",
                                                                 extra: ["scheduledAt": "2025-06-02T09:20:00Z"]))
            #expect(try await t.patch("/crm/communications/\(later)", token: sales.token, ["status": "cancelled"]).status == .ok)
            #expect(try await job(t).run(at: t.clock.now).communicationReminders == 0)
            let audit = try await t.get("/crm/audit?entityId=\(id)", token: try await t.admin().token).list
            #expect(audit.filter { $0.string("action") == "update" }.count == 3)
        }
    }

    @Test func aReminderOfACustomerWithoutSalespersonGoesToWhoeverScheduledIt() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let customer = try await t.makeCustomer(desk.token)
            _ = t.createdID(try await t.logCommunication(desk.token, customer: customer, status: "scheduled",
                                                         extra: ["scheduledAt": "2025-06-02T09:10:00Z"]))
            _ = try await job(t, zone: "Europe/Zurich").run(at: t.clock.now)
            let note = try #require(try await t.get("/crm/notifications", token: desk.token).list.first)
            #expect(note.string("body")?.contains("2025-06-02 11:10 (Europe/Zurich)") == true)
        }
    }

    @Test func datesAreTheClinicsDays() async throws {
        try await withCRM(timeZone: "Europe/Zurich") { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            // 23:30 UTC on 1 June is 01:30 on 2 June in Zurich.
            _ = t.createdID(try await t.logCommunication(sales.token, customer: customer, occurredAt: "2025-06-01T23:30:00Z"))
            let second = try await t.get("/crm/customers/\(customer)/communications?startDate=2025-06-02", token: sales.token)
            #expect(second.list.count == 1)
            let first = try await t.get("/crm/customers/\(customer)/communications?endDate=2025-06-01", token: sales.token)
            #expect(first.list.isEmpty)
            // The follow-up threshold counts Zurich days: 12 May 22:30 UTC is 13 May there, 20 days ago.
            let late = try await t.makeCustomer(sales.token)
            _ = t.createdID(try await t.logCommunication(sales.token, customer: late, occurredAt: "2025-05-12T22:30:00Z"))
            let due = try await t.get("/crm/customers/follow-up?daysThreshold=21", token: sales.token).list
            #expect(!due.contains { $0.string("customerId") == late })
            let twenty = try await t.get("/crm/customers/follow-up?daysThreshold=20", token: sales.token).list
            #expect(twenty.first { $0.string("customerId") == late }?.int("daysSinceLastContact") == 20)
        }
        #expect(throws: ConfigurationError.self) { try AppConfig.fromEnvironment(["CRM_TIME_ZONE": "Mars/Olympus"]) }
        #expect(try AppConfig.fromEnvironment(["CRM_TIME_ZONE": "Europe/Zurich"]).timeZone.identifier == "Europe/Zurich")
    }

    @Test func aToDoListShowsWhoEachActionIsAbout() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token, first: "Mia", last: "Keller", phone: "+41 79 230 44 29")
            _ = t.createdID(try await t.post("/crm/actions", token: sales.token,
                                             ["customerId": customer, "actionType": "phone_call", "title": "Call Mia",
                                              "assignedTo": sales.id, "dueDate": day(1)]))
            let pending = try await t.get("/crm/actions/pending", token: sales.token).list
            #expect(pending.count == 1)
            let who = pending[0][object: "customer"]
            #expect(who.string("id") == customer)
            #expect(who.string("firstName") == "Mia")
            #expect(who.string("lastName") == "Keller")
            #expect(who.string("phone") == "+41792304429")
            let listed = try await t.get("/crm/actions?customerId=\(customer)", token: sales.token).list
            #expect(listed.first?[object: "customer"].string("lastName") == "Keller")
        }
    }

    @Test func aPhoneNumberTypedNationallyFindsTheCustomer() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let mia = try await t.makeCustomer(sales.token, first: "Mia", phone: "+41 79 230 44 29")
            _ = try await t.makeCustomer(sales.token, first: "Noah", phone: "+41 78 111 22 33")
            for typed in ["079 230 44 29", "0792304429", "079-230-44-29", "0041 79 230 44 29", "+41792304429", "230 44 29"] {
                let query = typed.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let found = try await t.get("/crm/customers?search=\(query)", token: sales.token).list
                #expect(found.compactMap { $0.string("id") } == [mia], "\(typed)")
            }
        }
    }

    @Test func aSecondCustomerWithTheSameContactIsCreatedButNamed() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let first = try await t.post("/crm/customers", token: desk.token,
                                         ["firstName": "Anna", "lastName": "Meier", "email": "family@mail.test", "phone": "+41791110000"])
            #expect(first.status == .created)
            #expect((first.json["possibleDuplicates"] as? [String]) == [])
            let sameEmail = try await t.post("/crm/customers", token: desk.token,
                                             ["firstName": "Anna", "lastName": "Meier", "email": "FAMILY@mail.test"])
            #expect(sameEmail.status == .created)
            #expect((sameEmail.json["possibleDuplicates"] as? [String]) == [first.json.string("id")!])
            let samePhone = try await t.post("/crm/customers", token: desk.token,
                                             ["firstName": "Leo", "lastName": "Meier", "phone": "079 111 00 00"])
            // A national number is stored as typed (no country is assumed), so only an identical one matches.
            #expect(samePhone.status == .created)
            let sharedPhone = try await t.post("/crm/customers", token: desk.token,
                                               ["firstName": "Leo", "lastName": "Meier", "phone": "+41 79 111 00 00"])
            #expect((sharedPhone.json["possibleDuplicates"] as? [String]) == [first.json.string("id")!])
            let read = try await t.get("/crm/customers/\(first.json.string("id")!)", token: desk.token)
            #expect(read.json["possibleDuplicates"] == nil)
        }
    }
}

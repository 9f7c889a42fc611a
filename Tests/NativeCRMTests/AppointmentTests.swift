import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Appointments")
struct AppointmentTests {
    @Test func bookingCreatesTheConfirmationActionForTheSalesperson() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup(price: 150)
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let res = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                  clinic: s.clinic, start: day(10))
            #expect(res.status == .created)
            let appointment = res.json
            #expect(appointment.string("status") == "scheduled")
            #expect(appointment.number("totalAmount") == 150)
            #expect(appointment.string("startTime") == "2025-06-12T10:00:00.000Z")
            #expect(appointment.string("serviceName")?.hasPrefix("Service") == true)
            let actions = try await t.get("/crm/actions/pending", token: s.sales.token).list
            #expect(actions.count == 1)
            let confirm = try #require(actions.first)
            #expect(confirm.string("actionType") == "appointment_scheduled")
            #expect(confirm.string("title") == "Confirm appointment")
            #expect(confirm.string("dueDate") == "2025-06-11T10:00:00.000Z")
            #expect(confirm.string("relatedAppointmentId") == appointment.string("id"))
            #expect(confirm.string("assignedTo") == s.sales.id)
            #expect(confirm.string("customerId") == customer)
        }
    }

    @Test func backFilledHistoryCreatesNoActions() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            for status in ["completed", "cancelled", "no_show"] {
                let res = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                      clinic: s.clinic, start: day(-30), status: status)
                #expect(res.status == .created)
            }
            #expect(try await t.get("/crm/actions", token: s.desk.token).list.isEmpty)
            let record = try await t.record(s.desk.token, customer: customer)[object: "record"]
            #expect(record.int("totalAppointments") == 3)
            #expect(record.int("completedAppointments") == 1)
            #expect(record.int("cancelledAppointments") == 1)
        }
    }

    @Test func cancellingCancelsTheConfirmation() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let id = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                             clinic: s.clinic, start: day(5)))
            let res = try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["status": "cancelled"])
            #expect(res.status == .ok)
            #expect(res.json.string("status") == "cancelled")
            let actions = try await t.get("/crm/actions?customerId=\(customer)", token: s.desk.token).list
            #expect(actions.count == 1)
            #expect(actions.first?.string("status") == "cancelled")
            #expect(try await t.get("/crm/actions/pending", token: s.sales.token).list.isEmpty)
        }
    }

    @Test func completingClosesTheConfirmationAndSchedulesTheCheckIn() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let id = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                             clinic: s.clinic, start: day(0)))
            t.clock.advance(seconds: 3_600 * 3)
            let res = try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["status": "completed"])
            #expect(res.status == .ok)
            let actions = try await t.get("/crm/actions?customerId=\(customer)", token: s.desk.token).list
            #expect(actions.count == 2)
            let confirm = actions.first { $0.string("actionType") == "appointment_scheduled" } ?? [:]
            #expect(confirm.string("status") == "completed")
            #expect(confirm.string("completedAt") == "2025-06-02T12:00:00.000Z")
            let followUp = actions.first { $0.string("actionType") == "follow_up" } ?? [:]
            #expect(followUp.string("title") == "Post-treatment check-in")
            #expect(followUp.string("status") == "pending")
            #expect(followUp.string("dueDate") == "2025-06-04T10:00:00.000Z")
            #expect(followUp.string("assignedTo") == s.sales.id)
            #expect(followUp.string("relatedAppointmentId") == id)
        }
    }

    @Test func confirmingCompletesTheConfirmationAndReschedulingMovesIt() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let first = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                                clinic: s.clinic, start: day(5)))
            let moved = try await t.patch("/crm/appointments/\(first)", token: s.desk.token, ["startTime": day(8, hour: 14)])
            #expect(moved.json.string("startTime") == "2025-06-10T14:00:00.000Z")
            let pending = try await t.get("/crm/actions/pending", token: s.sales.token).list
            #expect(pending.first?.string("dueDate") == "2025-06-09T14:00:00.000Z")
            _ = try await t.patch("/crm/appointments/\(first)", token: s.desk.token, ["status": "confirmed"])
            #expect(try await t.get("/crm/actions/pending", token: s.sales.token).list.isEmpty)
            let confirmation = try await t.get("/crm/actions?customerId=\(customer)", token: s.desk.token).list
                .filter { $0.string("actionType") == "appointment_scheduled" }
            #expect(confirmation.compactMap { $0.string("status") } == ["completed"], "completed, not cancelled or gone")
        }
    }

    @Test func closedAppointmentsAreNotRescheduled() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token)
            let done = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                               clinic: s.clinic, start: day(-3), status: "completed"))
            let cancelled = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                                    clinic: s.clinic, start: day(3), status: "cancelled"))
            for (id, body) in [(done, ["startTime": day(4)]), (done, ["status": "scheduled"]),
                               (cancelled, ["status": "scheduled"]), (cancelled, ["startTime": day(9)])] {
                let res = try await t.patch("/crm/appointments/\(id)", token: s.desk.token, body)
                #expect(res.status == .conflict)
                #expect(res.isProblem)
                #expect((res.json.string("detail") ?? "").contains("appointment"))
                #expect(res.json.string("type")?.hasSuffix("appointment-closed") == true, "\(body)")
            }
            let unchanged = try await t.get("/crm/appointments/\(done)", token: s.desk.token).json
            #expect(unchanged.string("startTime") == day(-3) && unchanged.string("status") == "completed")
            let corrected = try await t.patch("/crm/appointments/\(done)", token: s.desk.token, ["totalAmount": 99.9])
            #expect(corrected.status == .ok)
            #expect(try await t.record(s.desk.token, customer: customer)[object: "record"].number("lifetimeValue") == 99.9)
        }
    }

    @Test func noShowCanBeRebooked() async throws {
        try await withCRM(tokenTTL: 30 * 86_400) { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let id = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                             clinic: s.clinic, start: day(1)))
            t.clock.advance(seconds: 2 * 86_400)  // the appointment's time has passed
            #expect(try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["status": "no_show"]).status == .ok)
            #expect(try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["status": "completed"]).status == .conflict)
            let rebooked = try await t.patch("/crm/appointments/\(id)", token: s.desk.token,
                                             ["status": "scheduled", "startTime": day(7)])
            #expect(rebooked.status == .ok)
            let pending = try await t.get("/crm/actions/pending", token: s.sales.token).list
            #expect(pending.compactMap { $0.string("dueDate") }.contains("2025-06-08T10:00:00.000Z"))
            // The no-show closed the first confirmation; the rebooking opened exactly one new one.
            let confirmations = try await t.get("/crm/actions?customerId=\(customer)", token: s.desk.token).list
                .filter { $0.string("actionType") == "appointment_scheduled" }
            #expect(confirmations.compactMap { $0.string("status") }.sorted() == ["cancelled", "pending"])
        }
    }

    /// A confirmed appointment moved back to scheduled needs confirming again; resending its unchanged
    /// end time is not a reschedule.
    @Test func backToScheduledNeedsANewConfirmation() async throws {
        try await withCRM(tokenTTL: 30 * 86_400) { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let id = t.createdID(try await t.post("/crm/appointments", token: s.desk.token, [
                "customerId": customer, "serviceId": s.service, "clinicId": s.clinic, "startTime": day(3),
                "endTime": day(3, hour: 11),
            ]))
            #expect(try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["status": "confirmed"]).status == .ok)
            #expect(try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["status": "scheduled"]).status == .ok)
            let confirmations = try await t.get("/crm/actions?customerId=\(customer)", token: s.desk.token).list
                .filter { $0.string("actionType") == "appointment_scheduled" }
            #expect(confirmations.compactMap { $0.string("status") }.sorted() == ["completed", "pending"])
            let pendingID = try #require(confirmations.first { $0.string("status") == "pending" }?.string("id"))
            let etag = try await t.get("/crm/actions/\(pendingID)", token: s.desk.token).headers.first(name: .eTag)
            #expect(etag != nil)

            let same = try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["endTime": day(3, hour: 11)])
            #expect(same.status == .ok)
            #expect(try await t.get("/crm/actions/\(pendingID)", token: s.desk.token).headers.first(name: .eTag) == etag)
            t.clock.advance(seconds: 4 * 86_400)
            #expect(try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["status": "completed"]).status == .ok)
            let closed = try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["endTime": day(3, hour: 11)])
            #expect(closed.status == .ok)
        }
    }

    @Test func unknownReferencesAreNamed() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token)
            let unknown = UUID().uuidString
            for (c, sv, cl, field) in [(unknown, s.service, s.clinic, "customerId"), (customer, unknown, s.clinic, "serviceId"),
                                       (customer, s.service, unknown, "clinicId")] {
                let res = try await t.bookAppointment(s.desk.token, customer: c, service: sv, clinic: cl, start: day(2))
                #expect(res.status == .badRequest)
                #expect(res.errorFields == [field])
            }
            let badStatus = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                        clinic: s.clinic, start: day(2), status: "done")
            #expect(badStatus.errorFields == ["status"])
            #expect(badStatus.json[list: "errors"].first?.string("message")?.contains("no_show") == true)
            let badTime = try await t.post("/crm/appointments", token: s.desk.token, [
                "customerId": customer, "serviceId": s.service, "clinicId": s.clinic, "startTime": "tomorrow",
            ])
            #expect(badTime.errorFields == ["startTime"])
            let backwards = try await t.post("/crm/appointments", token: s.desk.token, [
                "customerId": customer, "serviceId": s.service, "clinicId": s.clinic, "startTime": day(2),
                "endTime": day(1),
            ])
            #expect(backwards.errorFields == ["endTime"])
            let negative = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                       clinic: s.clinic, start: day(2), amount: -5)
            #expect(negative.errorFields == ["totalAmount"])
            #expect(try await t.get("/crm/appointments", token: s.desk.token).list.isEmpty, "nothing half-written")
            #expect(try await t.get("/crm/actions", token: s.desk.token).list.isEmpty)
        }
    }

    @Test func salespeopleReadButDoNotWriteAppointments() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token)
            let id = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                             clinic: s.clinic, start: day(2)))
            let refused = try await t.bookAppointment(s.sales.token, customer: customer, service: s.service,
                                                      clinic: s.clinic, start: day(2))
            #expect(refused.status == .forbidden)
            #expect(try await t.patch("/crm/appointments/\(id)", token: s.sales.token, ["status": "confirmed"]).status == .forbidden)
            #expect(try await t.get("/crm/appointments/\(id)", token: s.sales.token).status == .ok)
            #expect(try await t.get("/crm/appointments", token: s.sales.token).list.count == 1)
            let admin = try await t.admin()
            #expect(try await t.patch("/crm/appointments/\(id)", token: admin.token, ["status": "confirmed"]).status == .ok)
        }
    }

    @Test func listFiltersAndPages() async throws {
        try await withCRM(tokenTTL: 30 * 86_400) { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let anna = try await t.makeCustomer(s.desk.token, first: "Anna")
            let ben = try await t.makeCustomer(s.desk.token, first: "Ben")
            for offset in [3, 1, 2, 5] {
                _ = try await t.bookAppointment(s.desk.token, customer: anna, service: s.service, clinic: s.clinic,
                                                start: day(offset))
            }
            let bens = t.createdID(try await t.bookAppointment(s.desk.token, customer: ben, service: s.service,
                                                               clinic: s.clinic, start: day(2)))
            t.clock.advance(seconds: 3 * 86_400)
            #expect(try await t.patch("/crm/appointments/\(bens)", token: s.desk.token, ["status": "completed"]).status == .ok)
            let all = try await t.collect("/crm/appointments?limit=2", token: s.desk.token)
            #expect(all.compactMap { $0.string("startTime") } == [day(1), day(2), day(2), day(3), day(5)])
            let annas = try await t.get("/crm/appointments?customerId=\(anna)", token: s.desk.token).list
            #expect(annas.count == 4)
            let completed = try await t.get("/crm/appointments?status=completed", token: s.desk.token).list
            #expect(completed.compactMap { $0.string("customerId") } == [ben])
            let window = try await t.get("/crm/appointments?from=2025-06-04&to=2025-06-05", token: s.desk.token).list
            #expect(window.compactMap { $0.string("startTime") } == [day(2), day(2), day(3)])
            let instants = try await t.get("/crm/appointments?from=\(day(2))&to=\(day(3))", token: s.desk.token).list
            #expect(instants.count == 3, "timestamps bound inclusively")
            #expect(try await t.get("/crm/appointments?from=June", token: s.desk.token).errorFields == ["from"])
            #expect(try await t.get("/crm/appointments?from=2025-06-09&to=2025-06-01", token: s.desk.token).errorFields == ["to"])
            #expect(try await t.get("/crm/appointments/\(UUID().uuidString)", token: s.desk.token).status == .notFound)
        }
    }
}

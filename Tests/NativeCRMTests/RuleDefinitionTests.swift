import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// Each rule that more than one part of the server applies (the API, analytics, the scheduler, the
/// lists) has one definition; these tests sit on each rule's boundary and read every place it shows.
@Suite("One definition per rule")
struct RuleDefinitionTests {
    private func runScheduler(_ t: TestContext) async throws {
        _ = try await SendTimedNotificationsJob(db: t.app.db, clock: t.app.clock, reminderMinutes: 15).run(at: t.clock.now)
    }

    private func analytics(_ t: TestContext, _ user: TestUser) async throws -> [String: Any] {
        let response = try await t.get("/crm/analytics/salesperson", token: user.token)
        #expect(response.status == .ok, "\(response.text)")
        return response.json
    }

    private func inboxTypes(_ t: TestContext, _ user: TestUser) async throws -> [String] {
        try await t.get("/crm/notifications", token: user.token).list.compactMap { $0.string("type") }
    }

    /// Due exactly now: due soon everywhere, overdue nowhere; a millisecond later: overdue everywhere.
    @Test func anActionDueNowIsDueSoonAndAMillisecondLaterOverdue() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let action = t.createdID(try await t.post("/crm/actions", token: sales.token, [
                "customerId": customer, "actionType": "phone_call", "title": "Call at nine", "dueDate": Timestamp.format(t.clock.now)]))
            let now = try await t.get("/crm/actions/\(action)", token: sales.token).json
            #expect(now.bool("isOverdue") == false)
            #expect(now.int("secondsUntilDue") == 0)
            #expect(try await analytics(t, sales)[object: "actions"].int("overdue") == 0)
            try await runScheduler(t)
            #expect(try await inboxTypes(t, sales) == ["task_due_soon"])

            t.clock.advance(seconds: 0.001)
            let later = try await t.get("/crm/actions/\(action)", token: sales.token).json
            #expect(later.bool("isOverdue") == true)
            #expect(try await analytics(t, sales)[object: "actions"].int("overdue") == 1)
            try await runScheduler(t)
            #expect(try await inboxTypes(t, sales) == ["task_overdue", "task_due_soon"])
        }
    }

    /// The edge of the due-soon window: 60 minutes ahead is due soon, a millisecond more is not.
    @Test func dueSoonEndsSixtyMinutesAhead() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            for (title, offset) in [("at the edge", 3600.0), ("just past it", 3600.001)] {
                _ = t.createdID(try await t.post("/crm/actions", token: sales.token, [
                    "customerId": customer, "actionType": "other", "title": title,
                    "dueDate": Timestamp.format(t.clock.now.addingTimeInterval(offset))]))
            }
            try await runScheduler(t)
            let notes = try await t.get("/crm/notifications", token: sales.token).list
            #expect(notes.count == 1)
            #expect(notes.first?.string("body")?.contains("at the edge") == true)
        }
    }

    /// Open leads (new, contacted, qualified) count toward a salesperson's load; converted and lost do not.
    @Test func automaticAssignmentCountsOnlyOpenLeads() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let first = try await t.makeUser(.salesperson)
            t.clock.advance(seconds: 1)
            let second = try await t.makeUser(.salesperson)
            func lead(_ email: String, to owner: TestUser, status: String) async throws {
                let id = t.createdID(try await t.post("/crm/leads", token: owner.token,
                                                      ["source": "website", "firstName": "L", "email": email]))
                let moved = try await t.patch("/crm/leads/\(id)", token: admin.token, ["status": status])
                #expect(moved.status == .ok, "\(moved.text)")
            }
            // The longer-serving salesperson has one qualified lead, the other two closed ones: the
            // new lead goes to the other only if qualified counts and converted and lost do not.
            try await lead("c@x.test", to: first, status: "qualified")
            try await lead("a@x.test", to: second, status: "converted")
            try await lead("b@x.test", to: second, status: "lost")
            let automatic = try await t.post("/crm/leads", token: admin.token, ["source": "website", "firstName": "N", "email": "n@x.test"])
            #expect(automatic.json.string("assignedSalesId") == second.id)
            let next = try await t.post("/crm/leads", token: admin.token, ["source": "website", "firstName": "M", "email": "m@x.test"])
            #expect(next.json.string("assignedSalesId") == first.id, "one open lead each: the longer-serving one")
        }
    }

    /// Contact is a completed communication that is not a note: the record's last contact and the
    /// follow-up list agree.
    @Test func onlyACompletedNonNoteIsContact() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            _ = t.createdID(try await t.logCommunication(s.sales.token, customer: customer, type: "note", direction: nil,
                                                         status: "completed", occurredAt: day(-1)))
            _ = t.createdID(try await t.logCommunication(s.sales.token, customer: customer, status: "no_answer",
                                                         occurredAt: day(-2)))
            #expect(try await t.record(s.sales.token, customer: customer)[object: "record"].isNull("lastContactDate"))
            let never = try await t.collect("/crm/customers/follow-up?daysThreshold=1", token: s.sales.token)
            #expect(never.contains { $0.string("customerId") == customer })
            _ = t.createdID(try await t.logCommunication(s.sales.token, customer: customer, type: "email",
                                                         status: "completed", occurredAt: day(-3)))
            #expect(try await t.record(s.sales.token, customer: customer)[object: "record"].string("lastContactDate") == day(-3))
            #expect(try await t.salespersonCopiesOutOfStep() == 0)
        }
    }

    /// A repeat customer has two completed visits: the record, the repeat list and analytics agree.
    @Test func aSecondCompletedVisitMakesARepeatCustomerEverywhere() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            func everywhere() async throws -> (Bool?, Bool, Int?) {
                let record = try await t.record(s.sales.token, customer: customer)[object: "record"]
                let list = try await t.collect("/crm/customers/repeat", token: s.sales.token)
                let listed = list.contains { $0.string("customerId") == customer }
                return (record.bool("isRepeatCustomer"), listed, try await analytics(t, s.sales)[object: "customers"].int("repeat"))
            }
            _ = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                        clinic: s.clinic, start: day(-20), status: "completed"))
            let once = try await everywhere()
            #expect(once.0 == false && once.1 == false && once.2 == 0)
            _ = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                        clinic: s.clinic, start: day(-10), status: "completed"))
            let twice = try await everywhere()
            #expect(twice.0 == true && twice.1 == true && twice.2 == 1)
        }
    }

    /// The SPEC's two missed calls: an outgoing call with status missed is counted by analytics but
    /// alerts no one; an incoming one with status missed does both.
    @Test func missedCallsCountedAndAlerted() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            func callbacks() async throws -> Int {
                try await t.get("/crm/actions/pending", token: s.sales.token).list
                    .filter { $0.string("title") == "Return missed call" }.count
            }
            _ = t.createdID(try await t.logCommunication(s.sales.token, customer: customer, direction: "outgoing", status: "missed"))
            #expect(try await analytics(t, s.sales)[object: "communications"].int("missedCalls") == 1)
            #expect(try await callbacks() == 0)
            _ = t.createdID(try await t.logCommunication(s.sales.token, customer: customer, direction: "incoming", status: "missed"))
            #expect(try await analytics(t, s.sales)[object: "communications"].int("missedCalls") == 2)
            #expect(try await callbacks() == 1)
        }
    }

    /// Upcoming is scheduled or confirmed and still ahead: a confirmed visit is the next one, a
    /// cancelled later one never is, and one starting exactly now is no longer "next".
    @Test func upcomingIsScheduledOrConfirmedAndAhead() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let now = Timestamp.format(t.clock.now)
            _ = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                        clinic: s.clinic, start: now))
            #expect(try await t.record(s.sales.token, customer: customer)[object: "record"].isNull("nextAppointmentDate"))
            let later = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                                clinic: s.clinic, start: day(3)))
            let confirmed = try await t.patch("/crm/appointments/\(later)", token: s.desk.token, ["status": "confirmed"])
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            #expect(try await t.record(s.sales.token, customer: customer)[object: "record"].string("nextAppointmentDate") == day(3))
            let cancelled = try await t.patch("/crm/appointments/\(later)", token: s.desk.token, ["status": "cancelled"])
            #expect(cancelled.status == .ok, "\(cancelled.text)")
            #expect(try await t.record(s.sales.token, customer: customer)[object: "record"].isNull("nextAppointmentDate"))
        }
    }
}

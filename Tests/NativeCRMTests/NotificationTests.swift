import Fluent
import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Notifications")
struct NotificationTests {
    private func job(_ t: TestContext, reminderMinutes: Int = 15) -> SendTimedNotificationsJob {
        SendTimedNotificationsJob(db: t.app.db, clock: t.app.clock, reminderMinutes: reminderMinutes)
    }

    private func inbox(_ t: TestContext, _ user: TestUser, _ query: String = "") async throws -> [[String: Any]] {
        try await t.get("/crm/notifications\(query)", token: user.token).list
    }

    @Test func leadAssignmentLandsInTheAssigneesInbox() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let anna = try await t.makeUser(.salesperson)
            t.clock.advance(seconds: 1)
            let ben = try await t.makeUser(.salesperson)
            let lead = t.createdID(try await t.post("/crm/leads", token: desk.token,
                                                    ["source": "facebook_ads", "firstName": "Jane", "lastName": "Smith", "email": "j@x.test"]))
            let annas = try await inbox(t, anna)
            #expect(annas.count == 1)
            let note = try #require(annas.first)
            #expect(note.string("type") == "lead_assigned")
            #expect(note.string("entityType") == "lead")
            #expect(note.string("entityId") == lead)
            #expect(note.string("body")?.contains("Jane Smith") == true)
            #expect(note.string("body")?.contains("facebook_ads") == true)
            #expect(note.isNull("readAt"))
            #expect(try await inbox(t, ben).isEmpty)
            t.clock.advance(seconds: 1)
            _ = try await t.patch("/crm/leads/\(lead)", token: desk.token, ["assignedSalesId": ben.id])
            #expect(try await inbox(t, ben).first?.string("type") == "lead_assigned")
            t.clock.advance(seconds: 1)
            _ = try await t.patch("/crm/leads/\(lead)", token: desk.token, ["assignedSalesId": anna.id])
            #expect(try await inbox(t, anna).count == 2, "a reassignment back is a new occurrence")
        }
    }

    @Test func aMissedCallAlertsTheSalespersonOrTheLogger() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(desk.token, first: "Mia", salesID: sales.id)
            _ = try await t.logCommunication(desk.token, customer: customer, direction: "incoming", status: "missed")
            let alerts = try await inbox(t, sales)
            #expect(alerts.count == 1)
            #expect(alerts.first?.string("type") == "missed_call")
            #expect(alerts.first?.string("entityId") == customer)
            #expect(try await inbox(t, desk).isEmpty)
            let unassigned = try await t.makeCustomer(desk.token)
            _ = try await t.logCommunication(desk.token, customer: unassigned, direction: "missed", status: "missed")
            #expect(try await inbox(t, desk).first?.string("type") == "missed_call")
            _ = try await t.logCommunication(desk.token, customer: customer, direction: "outgoing", status: "no_answer")
            #expect(try await inbox(t, sales).count == 1, "an unanswered outgoing call is not a missed call")
        }
    }

    @Test func inboxReadUnreadAndOwnership() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let other = try await t.makeUser(.salesperson)
            for i in 0..<5 {
                _ = try await t.post("/crm/leads", token: desk.token,
                                     ["source": "website", "firstName": "L\(i)", "email": "l\(i)@x.test", "assignedSalesId": sales.id])
                t.clock.advance(seconds: 1)
            }
            let all = try await t.collect("/crm/notifications?limit=2", token: sales.token)
            #expect(all.count == 5)
            let times = all.compactMap { $0.string("createdAt") }
            #expect(times == times.sorted(by: >))
            let first = all[0].string("id")!
            #expect(try await t.post("/crm/notifications/\(first)/read", token: other.token, [:]).status == .notFound)
            let read = try await t.post("/crm/notifications/\(first)/read", token: sales.token, [:])
            #expect(read.status == .ok)
            #expect(read.json.string("readAt") == Timestamp.format(t.clock.now))
            #expect(try await inbox(t, sales, "?unread=true").count == 4)
            let all2 = try await t.post("/crm/notifications/read-all", token: sales.token, [:])
            #expect(all2.json.int("updated") == 4)
            #expect(try await inbox(t, sales, "?unread=true").isEmpty)
            #expect(try await inbox(t, sales, "?unread=false").count == 5)
            #expect(try await inbox(t, other).isEmpty)
            #expect(try await t.post("/crm/notifications/\(UUID().uuidString)/read", token: sales.token, [:]).status == .notFound)
            #expect(try await t.post("/crm/notifications/nope/read", token: sales.token, [:]).errorFields == ["id"])
            #expect(try await t.get("/crm/notifications?unread=maybe", token: sales.token).errorFields == ["unread"])
            #expect(try await t.get("/crm/notifications").status == .unauthorized)
        }
    }

    @Test func communicationRemindersGoToTheLoggerOnceAndAgainWhenMoved() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let call = try await t.logCommunication(sales.token, customer: customer, status: "scheduled",
                                                    extra: ["scheduledAt": "2025-06-02T09:20:00Z", "subject": "Call about fillers"])
            _ = try await t.logCommunication(sales.token, customer: customer, status: "completed",
                                             extra: ["scheduledAt": "2025-06-02T09:10:00Z"])
            #expect(try await job(t).run(at: t.clock.now).communicationReminders == 0)  // 20 min ahead, 15 min lead time
            t.clock.advance(seconds: 5 * 60)
            #expect(try await job(t).run(at: t.clock.now).communicationReminders == 1)
            #expect(try await job(t).run(at: t.clock.now).communicationReminders == 0)
            let reminders = try await inbox(t, sales)
            #expect(reminders.count == 1)
            #expect(reminders.first?.string("type") == "communication_reminder")
            #expect(reminders.first?.string("entityId") == call.json.string("id"))
            #expect(reminders.first?.string("body")?.contains("Call about fillers") == true)
            // Moving the call is a new occurrence.
            let id = UUID(uuidString: call.json.string("id")!)!
            try await Communication.query(on: t.app.db).filter(\.$id == id)
                .set(\.$scheduledAt, to: Timestamp.parse("2025-06-02T09:15:00Z")!).update()
            #expect(try await job(t).run(at: t.clock.now).communicationReminders == 1)
            #expect(try await job(t, reminderMinutes: 30).run(at: t.clock.now).communicationReminders == 0)
        }
    }

    @Test func upcomingAppointmentsAlertTheSalespersonOncePerStartTime() async throws {
        try await withCRM(tokenTTL: 7 * 86_400) { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let unassigned = try await t.makeCustomer(s.desk.token)
            let id = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                             clinic: s.clinic, start: "2025-06-03T15:00:00Z"))
            _ = try await t.bookAppointment(s.desk.token, customer: unassigned, service: s.service, clinic: s.clinic,
                                            start: "2025-06-03T08:00:00Z")
            let cancelled = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                                    clinic: s.clinic, start: "2025-06-02T20:00:00Z"))
            _ = try await t.patch("/crm/appointments/\(cancelled)", token: s.desk.token, ["status": "cancelled"])
            #expect(try await job(t).run(at: t.clock.now).appointmentsUpcoming == 0)  // 30 h ahead
            t.clock.now = Timestamp.parse("2025-06-02T15:00:00Z")!
            #expect(try await job(t).run(at: t.clock.now).appointmentsUpcoming == 1)
            #expect(try await job(t).run(at: t.clock.now).appointmentsUpcoming == 0)
            let alert = try await inbox(t, s.sales).first { $0.string("type") == "appointment_upcoming" }
            #expect(alert?.string("entityId") == id)
            _ = try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["startTime": "2025-06-03T14:00:00Z"])
            #expect(try await job(t).run(at: t.clock.now).appointmentsUpcoming == 1, "a moved appointment is announced again")
            _ = try await t.patch("/crm/appointments/\(id)", token: s.desk.token, ["status": "confirmed"])
            #expect(try await job(t).run(at: t.clock.now).appointmentsUpcoming == 0)
        }
    }

    @Test func tasksDueSoonThenOverdueExactlyOnceEach() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            let task = t.createdID(try await t.post("/crm/actions", token: sales.token, [
                "customerId": customer, "actionType": "phone_call", "title": "Call Jane", "dueDate": "2025-06-02T10:30:00Z",
            ]))
            let done = t.createdID(try await t.post("/crm/actions", token: sales.token, [
                "customerId": customer, "actionType": "phone_call", "title": "Done", "dueDate": "2025-06-02T09:50:00Z",
            ]))
            _ = try await t.put("/crm/actions/\(done)", token: sales.token, ["status": "completed"])
            var report = try await job(t).run(at: t.clock.now)
            #expect(report.tasksDueSoon == 0 && report.tasksOverdue == 0)  // 90 min ahead
            t.clock.advance(seconds: 31 * 60)
            report = try await job(t).run(at: t.clock.now)
            #expect(report.tasksDueSoon == 1 && report.tasksOverdue == 0)
            #expect(try await job(t).run(at: t.clock.now).total == 0)
            t.clock.advance(seconds: 60 * 60)
            report = try await job(t).run(at: t.clock.now)
            #expect(report.tasksOverdue == 1 && report.tasksDueSoon == 0)
            #expect(try await job(t).run(at: t.clock.now).total == 0)
            let types = try await inbox(t, sales).compactMap { $0.string("type") }
            #expect(types == ["task_overdue", "task_due_soon"])
            // A new due date is a new occurrence; completing stops further alerts.
            _ = try await t.put("/crm/actions/\(task)", token: sales.token, ["dueDate": "2025-06-02T11:30:00Z"])
            #expect(try await job(t).run(at: t.clock.now).tasksDueSoon == 1)
            _ = try await t.put("/crm/actions/\(task)", token: sales.token, ["status": "completed"])
            t.clock.advance(seconds: 3600)
            #expect(try await job(t).run(at: t.clock.now).total == 0)
        }
    }

    @Test func concurrentSchedulersNeverDoubleDeliver() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            for i in 0..<20 {
                _ = try await t.post("/crm/actions", token: sales.token, [
                    "customerId": customer, "actionType": "other", "title": "T\(i)", "dueDate": "2025-06-02T09:30:00Z",
                ])
            }
            let now = t.clock.now
            let jobs = (0..<4).map { _ in job(t) }
            let delivered = try await withThrowingTaskGroup(of: Int.self) { group in
                for job in jobs { group.addTask { try await job.run(at: now).tasksDueSoon } }
                return try await group.reduce(0, +)
            }
            #expect(delivered == 20)
            #expect(try await InboxNotification.query(on: t.app.db).count() == 20)
        }
    }

    @Test func theSchedulerRunsWithTheAppAndStopsCleanly() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            _ = try await t.post("/crm/actions", token: sales.token, [
                "customerId": customer, "actionType": "other", "title": "Soon", "dueDate": "2025-06-02T09:30:00Z",
            ])
            let scheduler = NotificationScheduler.loop()
            try scheduler.didBoot(t.app)   // first run happens at once; the next would wait the interval
            var found = 0
            for _ in 0..<50 where found == 0 {
                found = try await InboxNotification.query(on: t.app.db).count()
                if found == 0 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(found == 1)
            let started = ContinuousClock.now
            await scheduler.shutdownAsync(t.app)
            #expect(ContinuousClock.now - started < .seconds(5), "shutdown does not wait for the 60 s interval")
        }
    }

    @Test func notifyOnceCommandRunsTheTriggers() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(sales.token)
            _ = try await t.post("/crm/actions", token: sales.token, [
                "customerId": customer, "actionType": "other", "title": "Late", "dueDate": "2025-06-02T08:00:00Z",
            ])
            var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["crm"]))
            context.application = t.app
            try await NotifyOnceCommand().run(using: &context)
            #expect(try await inbox(t, sales).first?.string("type") == "task_overdue")
        }
    }
}

@Suite("Notification stream")
struct NotificationStreamTests {
    @Test func newNotificationsArriveWithinASecond() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let stream = EventStreamClient()
            try await stream.connect(baseURL: t.baseURL, token: sales.token)
            #expect(stream.status == .ok)
            #expect(stream.contentType?.hasPrefix("text/event-stream") == true)
            _ = try await t.post("/crm/leads", token: desk.token, ["source": "website", "firstName": "Live", "email": "live@x.test"])
            let started = ContinuousClock.now  // from the commit of the notification the lead wrote
            let events = await stream.waitForEvents(1)
            #expect(ContinuousClock.now - started < .seconds(1.5))
            let event = try #require(events.first)
            #expect(event.event == "notification")
            #expect(event.id?.isEmpty == false)
            #expect(event.json.string("type") == "lead_assigned")
            #expect(event.json.string("body")?.contains("Live") == true)
            stream.disconnect()
        }
    }

    @Test func reconnectingWithLastEventIDGetsWhatWasMissed() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            func newLead(_ name: String) async throws {
                _ = try await t.post("/crm/leads", token: desk.token, ["source": "website", "firstName": name, "email": "\(name)@x.test"])
                t.clock.advance(seconds: 1)
            }
            let first = EventStreamClient()
            try await first.connect(baseURL: t.baseURL, token: sales.token)
            try await newLead("One")
            let seen = await first.waitForEvents(1)
            first.disconnect()
            let lastID = try #require(seen.first?.id)
            try await newLead("Two")
            try await newLead("Three")
            let second = EventStreamClient()
            try await second.connect(baseURL: t.baseURL, token: sales.token, lastEventID: lastID)
            let missed = await second.waitForEvents(2)
            #expect(missed.compactMap { $0.json.string("body")?.split(separator: " ").first.map(String.init) } == ["Two", "Three"])
            second.disconnect()
        }
    }

    @Test func aNotificationStoredByOneInstanceReachesAStreamOnAnother() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            try await t.withSecondInstance { other in
                let stream = EventStreamClient()
                try await stream.connect(baseURL: other.baseURL, token: sales.token)
                _ = try await t.post("/crm/leads", token: desk.token, ["source": "referral", "firstName": "Far", "email": "far@x.test"])
                let events = await stream.waitForEvents(1, timeout: .seconds(3))
                #expect(events.first?.json.string("type") == "lead_assigned")
                stream.disconnect()
            }
        }
    }

    @Test func theStreamNeedsAToken() async throws {
        try await withCRM { (t: TestContext) async throws in
            let res = try await t.get("/crm/notifications/stream")
            #expect(res.status == .unauthorized)
            #expect(res.isProblem)
        }
    }

    /// M0021 moves the "already announced" markers from the appointments, communications and actions
    /// into `notification_markers`: what was announced before the upgrade is not announced again.
    @Test func markersWrittenBeforeTheUpgradeAreKept() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token, salesID: s.sales.id)
            let start = t.clock.now.addingTimeInterval(3600)
            let appointment = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                                      clinic: s.clinic, start: Timestamp.format(start)))
            // The database as it was before M0021, with this appointment's upcoming notice already sent.
            try await M0021_CreateNotificationMarkers().revert(on: t.app.db)
            try await t.app.db.sql.raw("""
                UPDATE appointments SET upcoming_notified_for = start_time WHERE id = \(bind: UUID(uuidString: appointment)!)
                """).run()
            try await M0021_CreateNotificationMarkers().prepare(on: t.app.db)
            let markers = try await t.app.db.sql.raw("SELECT COUNT(*) AS n FROM notification_markers").first()?
                .decode(column: "n", as: Int.self)
            #expect(markers == 1)
            #expect(try await SendTimedNotificationsJob(db: t.app.db, clock: t.app.clock, reminderMinutes: 15).run(at: t.clock.now).appointmentsUpcoming == 0, "announced before the upgrade")
            _ = try await t.patch("/crm/appointments/\(appointment)", token: s.desk.token,
                                  ["startTime": Timestamp.format(start.addingTimeInterval(1800))])
            #expect(try await SendTimedNotificationsJob(db: t.app.db, clock: t.app.clock, reminderMinutes: 15).run(at: t.clock.now).appointmentsUpcoming == 1, "moved: a new occurrence")
        }
    }
}

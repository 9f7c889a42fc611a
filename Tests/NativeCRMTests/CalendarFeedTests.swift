import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// The private iCalendar feed: one URL per person, their pending actions (VTODO) and, for the
/// customer's salesperson and the front desk, upcoming appointments (VEVENT) — read back by Python's
/// `icalendar` package, as a calendar app would.
@Suite("Calendar feed")
struct CalendarFeedTests {
    /// The feed parsed by Python's `icalendar`: each VEVENT and VTODO with its UID, summary and time (UTC).
    static func parse(_ text: String) throws -> [String: [[String: String]]] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("feed-\(UUID().uuidString).ics")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import icalendar, json, sys
            cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
            out = {"VEVENT": [], "VTODO": []}
            for c in cal.walk():
                if c.name in out:
                    t = c.get('DTSTART') or c.get('DUE')
                    dt = t.dt
                    out[c.name].append({"uid": str(c.get('UID')), "summary": str(c.get('SUMMARY')),
                                        "time": dt.strftime('%Y-%m-%dT%H:%M:%SZ'), "tz": str(dt.tzinfo),
                                        "location": str(c.get('LOCATION') or ''), "status": str(c.get('STATUS') or '')})
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "icalendar could not read the feed (pip install icalendar): \(problem)")
        return (try? JSONDecoder().decode([String: [[String: String]]].self, from: data)) ?? [:]
    }

    @Test func aSalespersonsFeedHoldsTheirActionsAndTheirCustomersAppointments() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let other = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(s.desk.token, first: "Jane", last: "Doe, Jr.", salesID: s.sales.id)
            let stranger = try await t.makeCustomer(s.desk.token, first: "Otto", last: "Other", salesID: other.id)
            let mine = t.createdID(try await t.post("/crm/appointments", token: s.desk.token, [
                "customerId": customer, "serviceId": s.service, "clinicId": s.clinic, "startTime": day(3),
                "treatmentDetails": ["area": "glabella"], "notes": "Allergic to lidocaine",
            ]))
            _ = t.createdID(try await t.bookAppointment(s.desk.token, customer: stranger, service: s.service, clinic: s.clinic,
                                                        start: day(4)))
            let action = t.createdID(try await t.post("/crm/actions", token: s.sales.token, [
                "customerId": customer, "actionType": "phone_call", "title": "Ask about the Botox result",
                "priority": "high", "dueDate": day(1),
            ]))
            let made = try await t.request(.POST, "/crm/calendar-feed", token: s.sales.token)
            #expect(made.status == .created, "\(made.text)")
            let url = made.json.string("url") ?? ""
            #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix(".ics") && url.contains("/calendar/"))

            let feed = try await t.get(url)
            #expect(feed.status == .ok && feed.headers.first(name: .contentType)?.hasPrefix("text/calendar") == true)
            #expect(feed.text.contains("\r\n") && !feed.text.contains("lidocaine") && !feed.text.contains("glabella")
                    && !feed.text.contains("Botox"), "no medical details")
            let parsed = try Self.parse(feed.text)
            let events = parsed["VEVENT"] ?? []
            #expect(events.map { $0["uid"] } == ["appointment-\(mine.lowercased())@native-crm"], "only their customers'")
            #expect(events.first?["summary"] == "Appointment: Jane Doe, Jr.")
            #expect(events.first?["time"].flatMap(Timestamp.parse) == Timestamp.parse(day(3)) && events.first?["tz"] == "UTC")
            #expect(events.first?["status"] == "TENTATIVE")
            let todos = parsed["VTODO"] ?? []
            let todo = todos.first { $0["uid"] == "action-\(action.lowercased())@native-crm" }
            #expect(todo?["summary"] == "Phone call: Jane Doe, Jr." && todo?["time"].flatMap(Timestamp.parse) == Timestamp.parse(day(1)),
                    "\(todos)")
            #expect(try Self.parse(try await t.get(url).text)["VEVENT"]?.map { $0["uid"] } == events.map { $0["uid"] },
                    "UIDs are stable")

            let desk = try await t.request(.POST, "/crm/calendar-feed", token: s.desk.token).json.string("url") ?? ""
            #expect(try Self.parse(try await t.get(desk).text)["VEVENT"]?.count == 2, "the front desk sees every appointment")
        }
    }

    @Test func aFeedEndsWhenReplacedRevokedOrItsUserIsDeactivated() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let seller = try await t.makeUser(.salesperson)
            let first = try await t.request(.POST, "/crm/calendar-feed", token: seller.token).json.string("url") ?? ""
            #expect(try await t.get(first).status == .ok)
            let second = try await t.request(.POST, "/crm/calendar-feed", token: seller.token).json.string("url") ?? ""
            #expect(second != first)
            #expect(try await t.get(first).status == .notFound, "a new feed ends the old URL")
            #expect(try await t.request(.DELETE, "/crm/calendar-feed", token: seller.token).status == .noContent)
            #expect(try await t.get(second).status == .notFound)
            let third = try await t.request(.POST, "/crm/calendar-feed", token: seller.token).json.string("url") ?? ""
            _ = try await t.patch("/crm/users/\(seller.id)", token: admin.token, ["active": false])
            #expect(try await t.get(third).status == .notFound, "a deactivated user's feed ends")
            for token in ["x.ics", String(repeating: "A", count: 43) + ".ics", String(repeating: "A", count: 5000)] {
                #expect(try await t.get("/calendar/\(token)").status == .notFound)
            }
            let (_, key) = try await t.makeKey(admin.token)
            #expect(try await t.request(.POST, "/crm/calendar-feed", token: key).status == .forbidden, "keys have no calendar")
        }
    }
}

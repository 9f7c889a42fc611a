import Foundation
import Testing
import Fluent
import Vapor
@testable import NativeCRM

/// Stored record statistics must always equal a fresh recomputation.
@Suite("Record statistics")
struct StatisticsTests {
    private func assertStoredEqualsRecomputed(_ t: TestContext, _ customers: [String], step: Int) async throws {
        for customer in customers {
            let id = UUID(uuidString: customer)!
            let stored = try await CustomerRecord.query(on: t.app.db).filter(\.$customerID == id).first()!.statistics
            let fresh = try await RecordStatistics.compute(customerID: id, on: t.app.db)
            #expect(stored == fresh, "step \(step), customer \(customer)")
        }
        #expect(try await t.salespersonCopiesOutOfStep() == 0, "step \(step)")
    }

    @Test(arguments: [UInt64(7), 42])
    func randomHistoriesKeepStoredStatisticsExact(seed: UInt64) async throws {
        try await withCRM { (t: TestContext) async throws in
            var rng = SeedRandom(seed: seed)  // the seeder's generator: a failing sequence replays
            let s = try await t.clinicSetup(intervalDays: 60)
            let other = try await t.makeService(s.desk.token, intervalDays: nil)
            let salespeople: [String?] = [s.sales.id, try await t.makeUser(.salesperson).id, nil]
            let customers = [try await t.makeCustomer(s.desk.token, salesID: s.sales.id),
                             try await t.makeCustomer(s.desk.token), try await t.makeCustomer(s.desk.token)]
            var appointments: [String] = []
            let statuses = ["scheduled", "confirmed", "completed", "cancelled", "no_show"]
            for step in 0..<40 {
                let customer = customers.randomElement(using: &rng)!
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<4:
                    let res = try await t.bookAppointment(
                        s.desk.token, customer: customer, service: Bool.random(using: &rng) ? s.service : other,
                        clinic: s.clinic, start: day(Int.random(in: -400...60, using: &rng), hour: Int.random(in: 7...18, using: &rng)),
                        status: statuses.randomElement(using: &rng)!,
                        amount: Double(Int.random(in: 0...50_000, using: &rng)) / 100)
                    // A completion before the start, or a double booking, is refused (409) and writes nothing.
                    if res.status == .conflict { break }
                    appointments.append(t.createdID(res))
                case 4..<7 where !appointments.isEmpty:
                    let id = appointments.randomElement(using: &rng)!
                    var body: [String: Any] = ["status": statuses.randomElement(using: &rng)!]
                    if Bool.random(using: &rng) { body["totalAmount"] = Double(Int.random(in: 0...9_999, using: &rng)) }
                    let res = try await t.patch("/crm/appointments/\(id)", token: s.desk.token, body)
                    #expect(res.status == .ok || res.status == .conflict)
                case 9:
                    let target = salespeople.randomElement(using: &rng)!
                    let res = try await t.patch("/crm/customers/\(customer)", token: s.desk.token,
                                                ["assignedSalesId": target.map { $0 as Any } ?? NSNull()])
                    #expect(res.status == .ok, "\(res.text)")
                default:
                    let type = ["call", "email", "note", "sms", "meeting"].randomElement(using: &rng)!
                    let status = ["completed", "missed", "no_answer", "voicemail"].randomElement(using: &rng)!
                    let res = try await t.logCommunication(
                        s.sales.token, customer: customer, type: type,
                        direction: ["incoming", "outgoing", "missed"].randomElement(using: &rng)!, status: status,
                        occurredAt: day(Int.random(in: -300...0, using: &rng)))
                    #expect(res.status == .created)
                }
                try await assertStoredEqualsRecomputed(t, customers, step: step)
            }
        }
    }

    @Test func recomputeRebuildsStaleCopies() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let customer = try await t.makeCustomer(s.desk.token)
            for offset in [-100, -50] {
                _ = try await t.bookAppointment(s.desk.token, customer: customer, service: s.service, clinic: s.clinic,
                                                start: day(offset), status: "completed", amount: 10)
            }
            let id = UUID(uuidString: customer)!
            try await CustomerRecord.query(on: t.app.db).filter(\.$customerID == id)
                .set(\.$repeatCount, to: 99).set(\.$lifetimeValueCents, to: 1).update()
            let changed = try await RecordStatisticsWriter(db: t.app.db, clock: t.app.clock).recomputeAll(batchSize: 1)
            #expect(changed == 1)
            let record = try await t.record(s.desk.token, customer: customer)[object: "record"]
            #expect(record.int("repeatCount") == 1)
            #expect(record.number("lifetimeValue") == 20)
            #expect(try await RecordStatisticsWriter(db: t.app.db, clock: t.app.clock).recomputeAll() == 0)

            // The follow-up list's sort key is a stored copy too: a drifted one is repaired.
            try await CustomerRecord.query(on: t.app.db).filter(\.$customerID == id)
                .set(\.$contactSortAt, to: Date(timeIntervalSince1970: 1_000)).update()
            #expect(try await RecordStatisticsWriter(db: t.app.db, clock: t.app.clock).recomputeAll() == 1)
            let repaired = try await CustomerRecord.query(on: t.app.db).filter(\.$customerID == id).first()
            #expect(repaired?.contactSortAt == CustomerRecord.neverContacted)
        }
    }

    @Test func formulas() {
        let first = Timestamp.parse("2025-01-01T09:00:00Z")!
        let last = Timestamp.parse("2025-04-01T18:00:00Z")!
        let three = RecordStatistics.from(total: 4, completed: 3, cancelled: 1, lifetimeValueCents: 500,
                                          firstVisit: first, lastVisit: last, lastVisitIntervalDays: 30, lastContact: nil)
        #expect(three.averageDaysBetweenVisits == 45)
        #expect(three.expectedNextVisit?.description == "2025-05-16")
        #expect(three.repeatCount == 2 && three.isRepeatCustomer)
        let uneven = RecordStatistics.from(total: 4, completed: 4, cancelled: 0, lifetimeValueCents: 0,
                                           firstVisit: first, lastVisit: Timestamp.parse("2025-01-11T00:00:00Z")!,
                                           lastVisitIntervalDays: nil, lastContact: nil)
        #expect(uneven.averageDaysBetweenVisits == 3.33)
        #expect(uneven.expectedNextVisit?.description == "2025-01-14")
        let none = RecordStatistics.from(total: 2, completed: 0, cancelled: 2, lifetimeValueCents: 0, firstVisit: nil,
                                         lastVisit: nil, lastVisitIntervalDays: nil, lastContact: nil)
        #expect(none.repeatCount == 0 && !none.isRepeatCustomer && none.expectedNextVisit == nil)
    }
}

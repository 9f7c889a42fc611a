import Fluent
import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("Synthetic data")
struct SeedTests {
    @Test func scaleSHasTheRightShapeAndExactStatistics() async throws {
        try await withCRM { (t: TestContext) async throws in
            let seeder = ClinicDataSeeder(db: t.app.db, scale: .small, seed: 3, now: t.clock.now,
                                          passwordHash: try await PasswordHashing(app: t.app).hash(ClinicDataSeeder.password))
            let summary = try await seeder.run()
            #expect(summary.customers == 1_000 && summary.appointments == 10_000 && summary.communications == 10_000)
            #expect(summary.actions == 3_000 && summary.leads == 1_000 && summary.tags == 20)
            #expect(try await Customer.query(on: t.app.db).count() == 1_000)
            #expect(try await Appointment.query(on: t.app.db).count() == 10_000)
            #expect(try await CustomerRecord.query(on: t.app.db).count() == 1_000)
            // Realistic shape: every status and source appears; some customers were never contacted.
            for status in AppointmentStatus.allCases {
                #expect(try await Appointment.query(on: t.app.db).filter(\.$status == status).count() > 0, "\(status)")
            }
            for status in ActionStatus.allCases {
                #expect(try await SalesAction.query(on: t.app.db).filter(\.$status == status).count() > 0, "\(status)")
            }
            for source in LeadSource.allCases {
                #expect(try await Lead.query(on: t.app.db).filter(\.$source == source).count() > 0, "\(source)")
            }
            #expect(try await CustomerRecord.query(on: t.app.db).filter(\.$lastContactDate == nil).count() > 0)
            #expect(try await CustomerRecord.query(on: t.app.db).filter(\.$repeatCount >= 1).count() > 100)
            // Stored statistics equal a fresh recomputation.
            #expect(try await RecordStatisticsWriter(db: t.app.db, clock: t.app.clock).recomputeAll() == 0)
            #expect(try await t.salespersonCopiesOutOfStep() == 0)
            // Deterministic: the generator gives the same ids for the same seed, other ids for another.
            var a = SeedRandom(seed: 3), b = SeedRandom(seed: 3), c = SeedRandom(seed: 4)
            let ids = (0..<3).map { _ in a.uuid() }
            #expect(ids == (0..<3).map { _ in b.uuid() })
            #expect(ids != (0..<3).map { _ in c.uuid() })
            #expect(try await User.find(ids[0], on: t.app.db)?.email == "admin@seed.test", "the first id drawn is the admin's")
            await #expect(throws: ConfigurationError.self) { _ = try await seeder.run() }
        }
    }
}

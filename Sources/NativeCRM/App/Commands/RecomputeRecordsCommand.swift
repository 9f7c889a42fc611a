import Fluent
import Vapor

/// `crm recompute-records`: rebuilds every record's stored statistics from the history.
struct RecomputeRecordsCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Recomputes the stored statistics of every customer record." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let service = RecordStatisticsWriter(db: app.db, clock: app.clock)
        let changed = try await service.recomputeAll { seen in
            if seen % 5_000 == 0 { context.console.print("… \(seen) records") }
        }
        context.console.print("Recomputed all records; \(changed) had stale statistics.")
    }
}

import Fluent
import Vapor

/// `crm seed --scale S|M|L [--random-seed N]`: loads deterministic synthetic clinic data into an
/// empty database (migrating it first). Seeded users sign in with `seed-password`
/// (`admin@seed.test`, `sales01@seed.test`, …).
struct SeedCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "scale", help: "S (1,000 customers), M (10,000) or L (100,000)") var scale: String?
        @Option(name: "random-seed", help: "Seed of the generator (default 1)") var randomSeed: UInt64?
    }

    var help: String { "Loads synthetic clinic data (for demos and benchmarks) into an empty database." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let scale = SeedScale.named(signature.scale ?? "") else {
            throw ConfigurationError(variable: "--scale", problem: "must be S, M or L")
        }
        let app = context.application
        try await DatabaseSetup.migrate(app)
        let started = ContinuousClock.now
        let hash = try await PasswordHashing(app: app).hash(ClinicDataSeeder.password)
        let day = CalendarDate(containing: app.clock.now).startOfDay
        var seeder = ClinicDataSeeder(db: app.db, scale: scale, seed: signature.randomSeed ?? 1, now: day, passwordHash: hash)
        seeder.progress = { context.console.print("… \($0)") }
        let summary = try await seeder.run()
        context.console.print("… analysing the tables for the query planner")
        try await DatabaseSetup.refreshStatistics(app.db)
        let elapsed = ContinuousClock.now - started
        context.console.print("""
            Seeded scale \(scale.name) in \(elapsed.components.seconds) s: \(summary.users) users, \(summary.customers) customers, \
            \(summary.appointments) appointments, \(summary.communications) communications, \(summary.actions) actions, \
            \(summary.leads) leads, \(summary.tags) tags (\(summary.tagged) attached). Sign in as admin@seed.test or \
            sales01@seed.test with '\(ClinicDataSeeder.password)'.
            """)
    }
}

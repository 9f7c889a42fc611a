import Fluent
import Vapor

/// `crm migrate [--yes]`: applies the pending migrations as `crm serve` does, under the PostgreSQL
/// advisory lock, so it can run while other instances start. (Replaces Fluent's own command, which
/// takes no lock.)
struct CRMMigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "yes", short: "y", help: "Accepted for compatibility; migrations apply without a question")
        var yes: Bool
    }

    var help: String { "Applies pending migrations (one instance at a time on PostgreSQL)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await DatabaseSetup.migrate(context.application)
        context.console.print("The database is up to date.")
    }
}

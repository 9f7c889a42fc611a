import Fluent
import SQLKit

/// A salesperson's "own" actions include those they created for someone else (delegated). Without an
/// index of just those rows, finding them walks every action the salesperson ever created; this partial
/// index holds only delegated actions, in due order, so the lookup reads what it returns. Its condition
/// is a copy of `ActionService.delegatedCondition` as it was when this shipped: a migration must not read
/// live code, which may change after it ran (`QueryPlanTests` fails if query and index drift apart).
struct M0013_AddDelegatedActionsIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql.raw("""
            CREATE INDEX idx_actions_delegated ON sales_actions (created_by, sort_due_at, priority_rank, id)
            WHERE (assigned_to IS NULL OR assigned_to <> created_by)
            """).run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX idx_actions_delegated").run()
    }
}

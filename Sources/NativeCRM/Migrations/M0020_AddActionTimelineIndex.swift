import Fluent
import SQLKit

/// The customer timeline reads a customer's actions newest created first: an index in that order.
struct M0020_AddActionTimelineIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await createIndex("idx_actions_customer_created", on: "sales_actions", ["customer_id", "created_at", "id"],
                              on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "idx_actions_customer_created").run()
    }
}

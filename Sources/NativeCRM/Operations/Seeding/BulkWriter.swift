import Fluent
import SQLKit

/// Multi-row INSERTs in batched transactions, for loading synthetic data quickly on either database.
struct BulkWriter {
    let db: any Database
    /// Rows per statement are capped so a statement binds at most this many values (SQLite allows 32766).
    var maxBindings = 30_000
    /// Statements per transaction.
    var statementsPerTransaction = 10

    func insert(into table: String, columns: [String], rows: [[any SQLExpression]]) async throws {
        guard !rows.isEmpty else { return }
        let perStatement = max(1, maxBindings / columns.count)
        var statements: [ArraySlice<[any SQLExpression]>] = []
        var start = 0
        while start < rows.count {
            statements.append(rows[start..<min(start + perStatement, rows.count)])
            start += perStatement
        }
        var index = 0
        while index < statements.count {
            let group = statements[index..<min(index + statementsPerTransaction, statements.count)]
            try await db.transaction { db in
                for chunk in group {
                    var builder = db.sql.insert(into: table).columns(columns)
                    for row in chunk { builder = builder.values(row) }
                    try await builder.run()
                }
            }
            index += statementsPerTransaction
        }
    }
}

import Fluent
import SQLKit

/// `table.column LIKE '%needle%' ESCAPE '\'` on a lower-cased column: case-insensitive substring search
/// that behaves the same on SQLite and PostgreSQL (the needle is lower-cased and its wildcards escaped).
struct ContainsText: SQLExpression {
    let table: String
    let column: String
    let needle: String

    func serialize(to serializer: inout SQLSerializer) {
        let escaped = needle.lowercased()
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        SQLColumn(column, table: table).serialize(to: &serializer)
        serializer.write(" LIKE ")
        SQLBind("%" + escaped + "%").serialize(to: &serializer)
        serializer.write(" ESCAPE '\\'")
    }
}

extension Database {
    /// The SQL side of a Fluent database (both of ours are SQL databases).
    var sql: any SQLDatabase {
        guard let sql = self as? any SQLDatabase else { fatalError("Native CRM needs an SQL database") }
        return sql
    }
}

/// Creates an index in a migration; every list query names the index that serves it.
func createIndex(_ name: String, on table: String, _ columns: [String], unique: Bool = false,
                 on database: any Database) async throws {
    var builder = database.sql.create(index: name).on(table)
    if unique { builder = builder.unique() }
    for column in columns { builder = builder.column(column) }
    try await builder.run()
}

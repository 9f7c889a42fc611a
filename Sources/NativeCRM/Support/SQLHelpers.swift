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

/// `search` over a person's `search_text`: the text as typed, or without phone separators, so
/// "079 123-45" also finds the stored "07912345…". Customers and leads search the same way.
struct ContactSearch: SQLExpression {
    let table: String
    let text: String

    /// What the search matches: the text itself, the text without phone separators, and for a phone
    /// number typed nationally (`079 230 44 29`) or with `00` its national significant number
    /// (`792304429`), which a stored E.164 number (`+41792304429`) contains.
    var needles: [String] {
        let compact = String(text.filter { !ContactFields.phoneSeparators.contains($0) })
        var needles = [text]
        if compact != text, !compact.isEmpty { needles.append(compact) }
        if compact.count >= 6, compact.allSatisfy({ $0.isASCII && $0.isNumber }) {
            if compact.hasPrefix("00") {
                needles.append("+" + compact.dropFirst(2))
            } else if compact.hasPrefix("0") {
                needles.append(String(compact.dropFirst()))
            }
        }
        return needles
    }

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write("(")
        for (index, needle) in needles.enumerated() {
            if index > 0 { serializer.write(" OR ") }
            ContainsText(table: table, column: "search_text", needle: needle).serialize(to: &serializer)
        }
        serializer.write(")")
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

/// Runs a write to `table`, whose names are unique (`name_key`); that clash is a 409 `duplicate-name`
/// with `detail`. Any other violation goes on as it is (ProblemMiddleware maps it).
func withUniqueName<T>(_ detail: String, table: String, _ write: () async throws -> T) async throws -> T {
    do {
        return try await write()
    } catch where ConstraintViolation(error)?.isUnique(table, "name_key") == true {
        throw APIError.conflict(detail, code: "duplicate-name")
    }
}

/// `<column> IN ('a', 'b', …)` of constant values (string literals, not binds: the planner sees them).
func inSQL(_ column: String, _ values: [String]) -> SQLQueryString {
    var sql: SQLQueryString = "\(unsafeRaw: column) IN ("
    for (index, value) in values.enumerated() {
        if index > 0 { sql.appendLiteral(", ") }
        sql.appendInterpolation(literal: value)
    }
    sql.appendLiteral(")")
    return sql
}

import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation

/// Which integrity rule the database refused a write for, read from the driver's structured fields
/// (PostgreSQL's SQLSTATE and constraint, table and column names; SQLite's extended result code and
/// the `table.column` list of its message). Only names are kept — never the values a message quotes.
struct ConstraintViolation: Sendable, Equatable {
    enum Kind: String, Sendable {
        case unique, foreignKey = "foreign-key", notNull = "not-null", check
    }

    let kind: Kind
    /// The constraint's name (PostgreSQL) or its `table.column` list (SQLite); may be empty.
    let constraint: String
    /// The columns involved, as `table.column`, when the driver says.
    let columns: [String]

    init?(_ error: any Error) {
        if let postgres = error as? PSQLError, let info = postgres.serverInfo, let state = info[.sqlState] {
            switch state {
            case "23505": kind = .unique
            case "23503": kind = .foreignKey
            case "23502": kind = .notNull
            case "23514": kind = .check
            default: return nil
            }
            constraint = info[.constraintName] ?? ""
            let table = info[.tableName] ?? ""
            if let column = info[.columnName] {
                columns = [table + "." + column]
            } else {
                columns = Self.columns(inConstraint: constraint, table: table)
            }
            return
        }
        if let sqlite = error as? SQLiteError {
            switch "\(sqlite.reason)" {
            case "constraintUniqueFailed", "constraintPrimaryKeyFailed": kind = .unique
            case "constraintForeignKeyFailed": kind = .foreignKey
            case "constraintNotNullFailed": kind = .notNull
            case "constraintCheckFailed": kind = .check
            default: return nil
            }
            // "UNIQUE constraint failed: users.email" / "CHECK constraint failed: name": names only.
            let names = sqlite.message.components(separatedBy: "constraint failed: ").dropFirst().first ?? ""
            constraint = names
            columns = kind == .check ? [] : names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return
        }
        return nil
    }

    /// What a log line may name: the constraint, else its columns.
    var name: String { constraint.isEmpty ? columns.joined(separator: ",") : constraint }

    /// Whether this is the unique constraint over exactly `table`'s `columns`.
    func isUnique(_ table: String, _ columns: String...) -> Bool {
        kind == .unique && Set(self.columns) == Set(columns.map { table + "." + $0 })
    }

    /// Whether this is the unique index `index` over `table`'s `columns`: PostgreSQL names the index,
    /// SQLite the columns.
    func isUnique(index: String, _ table: String, _ columns: String...) -> Bool {
        kind == .unique && (constraint == index || Set(self.columns) == Set(columns.map { table + "." + $0 }))
    }

    /// `uq:users.email`, `fk:appointments.customer_id+customers.id` (Fluent's names) or
    /// `appointments_customer_id_fkey` (PostgreSQL's) → the local `table.column`s.
    private static func columns(inConstraint name: String, table: String) -> [String] {
        if let colon = name.firstIndex(of: ":") {
            return name[name.index(after: colon)...].split(separator: "+").map(String.init)
                .filter { $0.hasPrefix(table + ".") }
        }
        for suffix in ["_fkey", "_key", "_not_null", "_check"] where name.hasSuffix(suffix) && name.hasPrefix(table + "_") {
            return [table + "." + String(name.dropFirst(table.count + 1).dropLast(suffix.count))]
        }
        return []
    }

    /// The API field a foreign key's column stands for: `appointments.customer_id` → `customerId`.
    var field: String? {
        guard let column = columns.first?.split(separator: ".").last else { return nil }
        let parts = column.split(separator: "_")
        guard let head = parts.first else { return nil }
        return String(head) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

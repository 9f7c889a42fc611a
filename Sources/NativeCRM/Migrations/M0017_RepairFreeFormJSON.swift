import Fluent
import Foundation
import SQLKit

/// Clears stored free-form JSON that a read could not serve (deeper than `JSONLimits.servable`): before
/// the input limits, a 3 KB body nested 510 levels deep was stored and then broke every read of its
/// record and of the audit trail. Such a value becomes `{}`, with an audit entry by the system that
/// names the field (not the value); in audit entries only the offending old/new value is replaced.
/// Rows are read in id order, a batch at a time, and only those long enough to be that deep
/// (more than 16 opening brackets or over 100 characters); running it again finds nothing to do.
struct M0017_RepairFreeFormJSON: AsyncMigration {
    static let marker = "(removed: nested too deeply to be served)"

    /// Each free-form column: table, column, the audited entity and field, the column naming the
    /// customer, and whether the table has a version to move on.
    struct Column: Sendable {
        let table: String
        let column: String
        let entityType: String
        let field: String
        let customerColumn: String
        let versioned: Bool
    }

    static let columns = [
        Column(table: "customer_records", column: "preferences", entityType: "customer_record", field: "preferences",
               customerColumn: "customer_id", versioned: true),
        Column(table: "appointments", column: "treatment_details", entityType: "appointment", field: "treatmentDetails",
               customerColumn: "customer_id", versioned: true),
        Column(table: "communications", column: "metadata", entityType: "communication", field: "metadata",
               customerColumn: "customer_id", versioned: false),
        Column(table: "sales_actions", column: "metadata", entityType: "action", field: "metadata",
               customerColumn: "customer_id", versioned: true),
        Column(table: "leads", column: "metadata", entityType: "lead", field: "metadata",
               customerColumn: "converted_customer_id", versioned: true),
    ]

    func prepare(on database: any Database) async throws {
        let sql = database.sql
        let now = Date()
        for column in Self.columns {
            try await Self.candidates(table: column.table, column: column.column, extra: column.customerColumn, on: sql) { id, text, customer in
                guard !JSONLimits.isServable(text) else { return }
                try await sql.raw("""
                    UPDATE \(ident: column.table) SET \(ident: column.column) = '{}'\(unsafeRaw: column.versioned ? ", version = version + 1" : "")
                    WHERE id = \(bind: id)
                    """).run()
                let changes = JSONObject([column.field: .object(["old": .string(Self.marker), "new": .object([:])])]).text
                try await sql.raw("""
                    INSERT INTO audit_entries (id, user_id, request_id, entity_type, entity_id, action, changes, customer_id, created_at)
                    VALUES (\(bind: UUID()), NULL, NULL, \(bind: column.entityType), \(bind: id), 'update', \(bind: changes),
                            \(bind: customer), \(bind: now))
                    """).run()
            }
        }
        try await Self.candidates(table: "audit_entries", column: "changes", extra: nil, on: sql) { id, text, _ in
            guard !JSONLimits.isServable(text) else { return }
            try await sql.raw("UPDATE audit_entries SET changes = \(bind: Self.repairedChanges(text)) WHERE id = \(bind: id)").run()
        }
    }

    func revert(on database: any Database) async throws {}

    /// An audit entry's `{field: {"old": …, "new": …}}` with each value that cannot be served replaced by
    /// the marker; when even the outer shape cannot be read, one `changes` field says so.
    static func repairedChanges(_ text: String) -> String {
        guard let outer = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return JSONObject(["changes": .object(["old": .string(marker), "new": .null])]).text
        }
        var repaired: [String: JSONValue] = [:]
        for (field, change) in outer {
            var values: [String: JSONValue] = [:]
            for (side, value) in (change as? [String: Any]) ?? [:] {
                if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]),
                   let json = String(data: data, encoding: .utf8), JSONLimits.isServable(json),
                   let decoded = try? JSONDecoder().decode(JSONValue.self, from: data) {
                    values[side] = decoded
                } else {
                    values[side] = .string(marker)
                }
            }
            repaired[field] = .object(values)
        }
        return JSONObject(repaired).text
    }

    /// Calls `body` with (id, text, extra column) of each row whose text could be too deep, in id order
    /// (the primary key's order, so each batch is a range read).
    private static func candidates(
        table: String, column: String, extra: String?, on sql: any SQLDatabase,
        _ body: (UUID, String, UUID?) async throws -> Void
    ) async throws {
        var after: UUID?
        let extraColumn: SQLQueryString = extra.map { ", \(ident: $0) AS extra" } ?? ", NULL AS extra"
        while true {
            let range: SQLQueryString = after.map { "id > \(bind: $0) AND " } ?? ""
            let rows = try await sql.raw("""
                SELECT id, \(ident: column) AS value\(extraColumn) FROM \(ident: table)
                WHERE \(range)(length(\(ident: column)) > 100
                       OR length(\(ident: column)) - length(replace(replace(\(ident: column), '{', ''), '[', '')) > 16)
                ORDER BY id LIMIT 500
                """).all()
            guard let last = rows.last else { return }
            for row in rows {
                try await body(try row.decode(column: "id", as: UUID.self), try row.decode(column: "value", as: String.self),
                               try row.decode(column: "extra", as: UUID?.self))
            }
            after = try last.decode(column: "id", as: UUID.self)
        }
    }
}

import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import NativeCRM

/// The queries behind every list endpoint and the record endpoint must be served by an index, not by
/// scanning a big table: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (with sequential scans disabled, so a
/// missing index shows up as a Seq Scan) on PostgreSQL.
@Suite("Query plans")
struct QueryPlanTests {
    static let bigTables = ["customers", "customer_records", "appointments", "communications", "sales_actions",
                            "leads", "customer_tags", "notifications", "audit_entries"]

    /// The SELECTs an HTTP request ran.
    private func queries(_ t: TestContext, _ path: String, token: String) async throws -> [String] {
        let requestID = "plan-\(UUID().uuidString)"
        let response = try await t.request(.GET, path, token: token, headers: [("X-Request-ID", requestID)])
        #expect(response.status == .ok, "\(path): \(response.text)")
        return QueryCapture.shared.take(requestID).filter { $0.hasPrefix("SELECT") }
    }

    /// The plan's lines: EXPLAIN on PostgreSQL (generic plan, sequential scans off), the `detail`
    /// column of EXPLAIN QUERY PLAN on SQLite.
    private func plan(_ sql: String, on db: any Database) async throws -> [String] {
        if TestDatabase.isPostgres {
            let parameters = Set(sql.matches(of: /\$(\d+)/).compactMap { Int($0.1) }).max() ?? 0
            return try await db.withConnection { conn in
                let sqlDB = conn.sql
                try await sqlDB.raw("SET plan_cache_mode = force_generic_plan").run()
                try await sqlDB.raw("SET enable_seqscan = off").run()
                try await sqlDB.raw("PREPARE plan_probe AS \(unsafeRaw: sql)").run()
                let nulls = parameters == 0 ? "" : "(" + Array(repeating: "NULL", count: parameters).joined(separator: ", ") + ")"
                let rows = try await sqlDB.raw("EXPLAIN EXECUTE plan_probe\(unsafeRaw: nulls)").all()
                try await sqlDB.raw("DEALLOCATE plan_probe").run()
                try await sqlDB.raw("RESET enable_seqscan").run()
                try await sqlDB.raw("RESET plan_cache_mode").run()
                return try rows.map { try $0.decode(column: "QUERY PLAN", as: String.self) }
            }
        }
        let rows = try await db.sql.raw("EXPLAIN QUERY PLAN \(unsafeRaw: sql)").all()
        return try rows.map { try $0.decode(column: "detail", as: String.self) }
    }

    /// Names of big tables the plan reads by a full table scan.
    private func fullScans(_ sql: String, on db: any Database) async throws -> [String] {
        let lines = try await plan(sql, on: db)
        if TestDatabase.isPostgres {
            return Self.bigTables.filter { table in lines.contains { $0.contains("Seq Scan on \(table)") } }
        }
        // SQLite names a table by its alias in the plan (`FROM appointments a` scans as `SCAN a`).
        var names: [String: String] = [:]
        for match in sql.matches(of: /(?i)(?:FROM|JOIN)\s+"?(\w+)"?(?:\s+(?:AS\s+)?"?(\w+)"?)?/) {
            let table = String(match.1)
            names[table] = table
            if let alias = match.2 { names[String(alias)] = table }
        }
        return lines.compactMap { line -> String? in
            guard line.hasPrefix("SCAN "), !line.contains("USING") else { return nil }
            let name = String(line.dropFirst(5).prefix { $0 != " " })
            let table = names[name] ?? name
            return Self.bigTables.contains(table) ? table : nil
        }
    }

    /// Scale S data with planner statistics; returns sales01's token.
    private func seedSmallClinic(_ t: TestContext) async throws -> String {
        var seeder = ClinicDataSeeder(db: t.app.db, scale: .small, seed: 7, now: t.clock.now,
                                      passwordHash: try await PasswordHashing(app: t.app).hash(ClinicDataSeeder.password))
        seeder.progress = { _ in }
        _ = try await seeder.run()
        try await t.app.db.sql.raw("ANALYZE").run()
        return try await t.login("sales01@seed.test", ClinicDataSeeder.password).json.string("token")!
    }

    @Test func listAndRecordEndpointsUseIndexes() async throws {
        try await withCRM(tokenTTL: 7 * 86_400) { (t: TestContext) async throws in
            let sales = try await seedSmallClinic(t)
            let admin = try await t.login("admin@seed.test", ClinicDataSeeder.password).json.string("token")!
            let salesID = try await t.get("/auth/me", token: sales).json.string("id")!
            let customer = try await t.get("/crm/customers?assignedSalesId=\(salesID)&limit=1", token: admin).list[0].string("id")!
            let tag = try await t.get("/crm/tags?limit=1", token: admin).list[0].string("id")!

            let endpoints: [(String, String)] = [
                ("/crm/customers/\(customer)/record", sales),
                ("/crm/customers/\(customer)/timeline", sales),
                ("/crm/customers/\(customer)/timeline", admin),
                ("/crm/customers/\(customer)/communications?type=call", sales),
                ("/crm/customers/\(customer)/communications?startDate=2025-01-01&endDate=2025-05-31", sales),
                ("/crm/customers?limit=20", sales),
                ("/crm/customers?assignedSalesId=\(salesID)", sales),
                ("/crm/customers?status=vip", sales),
                ("/crm/customers?search=meier", sales),
                ("/crm/customers?tagId=\(tag)", sales),
                ("/crm/tags/\(tag)/customers", sales),
                ("/crm/customers/repeat", sales),
                ("/crm/customers/follow-up?daysThreshold=30", sales),
                ("/crm/customers/follow-up?daysThreshold=30", admin),
                ("/crm/actions?status=pending&priority=high", sales),
                ("/crm/actions?customerId=\(customer)", admin),
                ("/crm/actions?status=pending", admin),
                ("/crm/actions/pending", sales),
                ("/crm/leads?search=anna", sales),
                ("/crm/leads?status=new&source=website", sales),
                ("/crm/leads?assignedSalesId=\(salesID)", sales),
                ("/crm/appointments?customerId=\(customer)", sales),
                ("/crm/appointments?from=2025-06-01&to=2025-06-30", sales),
                ("/crm/appointments?status=scheduled", sales),
                ("/crm/notifications?unread=true", sales),
                ("/crm/analytics/salesperson", sales),
                ("/crm/audit?entityId=\(customer)", admin),
                ("/crm/audit?entityType=lead", admin),
            ]
            for (path, token) in endpoints {
                let statements = try await queries(t, path, token: token)
                #expect(!statements.isEmpty, "\(path) ran no query?")
                for sql in statements {
                    let scans = try await fullScans(sql, on: t.app.db)
                    #expect(scans.isEmpty, "\(path) scans \(scans) in: \(sql)")
                }
            }
            // A filter on its own reads its own index (walking the newest-first one would not be a
            // "scan" above, yet reads the whole trail).
            for (path, index) in [("/crm/audit?entityId=\(customer)", "idx_audit_entity_id_time"),
                                  ("/crm/audit?entityType=lead", "idx_audit_type_time")] {
                let statements = try await queries(t, path, token: admin).filter { $0.contains("audit_entries") }
                #expect(statements.count == 1, "\(path)")
                for sql in statements {
                    let lines = try await plan(sql, on: t.app.db)
                    #expect(lines.contains { $0.contains(index) }, "\(path): \(lines)")
                }
            }
        }
    }

    /// Second pages: the cursor is one row-value comparison (`(a, b) > (?, ?)`) that the list's index
    /// serves as a range — the plan seeks into the index instead of reading it from the start.
    @Test func secondPagesSeekIntoTheirIndex() async throws {
        try await withCRM(tokenTTL: 7 * 86_400) { (t: TestContext) async throws in
            let sales = try await seedSmallClinic(t)
            let admin = try await t.login("admin@seed.test", ClinicDataSeeder.password).json.string("token")!
            let salesID = try await t.get("/auth/me", token: sales).json.string("id")!
            _ = salesID
            // A customer with a history long enough for second pages.
            let busy = try await t.app.db.sql.raw("""
                SELECT customer_id AS id FROM communications GROUP BY customer_id HAVING COUNT(*) >= 3 LIMIT 1
                """).first()
            let customer = try #require(try busy?.decode(column: "id", as: UUID.self)).uuidString
            for notes in ["first", "second"] {  // audit entries for the trail's pages
                #expect(try await t.put("/crm/customers/\(customer)/record", token: admin, ["notes": notes]).status == .ok)
            }
            let lists: [(String, String)] = [
                ("/crm/customers/repeat?limit=2", sales),
                ("/crm/customers/follow-up?daysThreshold=30&limit=2", sales),
                ("/crm/actions/pending?limit=2", sales),
                ("/crm/actions?status=pending&limit=2", admin),
                ("/crm/customers/\(customer)/communications?limit=1", admin),
                ("/crm/customers/\(customer)/timeline?limit=2", sales),
                ("/crm/customers/\(customer)/timeline?limit=2", admin),
                ("/crm/audit?entityType=customer_record&limit=1", admin),
                ("/crm/customers/\(customer)/audit?limit=1", sales),
            ]
            for (path, token) in lists {
                let first = try await t.get(path, token: token)
                let next = try #require(first.nextLink, "\(path) has a second page")
                let statements = try await queries(t, next, token: token).filter { $0.contains(") > (") || $0.contains(") < (") }
                #expect(!statements.isEmpty, "\(next) compares no row value")
                for sql in statements {
                    let lines = try await plan(sql, on: t.app.db)
                    #expect(try await fullScans(sql, on: t.app.db).isEmpty, "\(path): \(lines)")
                    if TestDatabase.isPostgres {
                        #expect(lines.contains { $0.contains("Index Cond") && $0.contains("ROW(") },
                                "\(path) does not seek: \(lines)")
                    } else {
                        #expect(lines.contains { $0.hasPrefix("SEARCH") && [")>(?", ")<(?", ">?", "<?"].contains(where: $0.contains) },
                                "\(path) does not seek: \(lines)")
                    }
                }
            }
        }
    }

    /// A salesperson's delegated actions (created by them for someone else) are read from the partial
    /// index that holds only those rows, not by walking everything the salesperson created.
    @Test func delegatedActionsUseTheirPartialIndex() async throws {
        try await withCRM(tokenTTL: 7 * 86_400) { (t: TestContext) async throws in
            let sales = try await seedSmallClinic(t)
            for path in ["/crm/actions?status=pending&priority=high", "/crm/actions"] {
                let statements = try await queries(t, path, token: sales)
                let delegated = statements.filter { $0.contains(ActionService.delegatedCondition) }
                #expect(delegated.count == 1, "\(path): \(statements)")
                for sql in delegated {
                    let lines = try await plan(sql, on: t.app.db)
                    #expect(lines.contains { $0.contains("idx_actions_delegated") }, "\(path): \(lines)")
                }
            }
        }
    }
}

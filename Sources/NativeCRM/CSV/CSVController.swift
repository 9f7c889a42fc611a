import OpenAPIKit
import Vapor

/// `POST /crm/imports/customers` and `/crm/imports/leads` (CSV in, a report out; front desk and
/// managers) and `GET /crm/customers.csv`, `/crm/leads.csv`, `/crm/actions.csv` (the JSON lists as CSV,
/// for whoever may read them).
struct CSVController {
    private static let dryRun = Param.query(
        "dryRun", Param.boolean, "`true`: check and match every row and answer what the import would do, writing nothing.")
    private static let bom = Param.query(
        "bom", Param.boolean, "`true`: start the file with a UTF-8 byte order mark, so that Excel reads accents right.")

    private static let importRules =
        "Each row is checked with the rules of the JSON create endpoint and is `created`, `updated`, a `duplicate` or an "
        + "`error` naming its columns; a row that fails never stops the others. A row is the same person as an earlier row "
        + "or a stored record when their emails are equal, or their phones (normalised) are and they do not have two "
        + "different emails. A stored record is filled in where it is empty (`updated`, the `fields` listed) and never "
        + "overwritten; when the row brings nothing new it is a `duplicate` (`duplicateOf`); a row repeating an earlier "
        + "row is a `duplicate` of that row's record (`duplicateOfRow`). Importing the same file again creates nothing. "
        + "Rows are written \(CSVLimits.batchSize) to a transaction; the import is audited as one entry (entity type "
        + "`import`, the counts) beside each record's own. A file without a column `email` or `phone`, without a "
        + "required column, or naming a field twice is a 400 naming it. No `Idempotency-Key`: a repeated import is "
        + "harmless by itself."

    var endpoints: [Endpoint] {
        [
            Endpoint(.POST, "/crm/imports/customers", .frontDesk, "Import customers from a CSV file", use: importCustomers, .init(
                "importCustomers", tag: "Imports",
                "Creates a customer (and record) per row, as `POST /crm/customers` does. A matched customer gets the row's "
                    + "email, phone, date of birth or salesperson where it has none. A row needs an email or a phone. "
                    + Self.importRules,
                parameters: [Self.dryRun], body: CustomerImportFile.self, bodyMedia: "text/csv",
                bodyExamples: Example.named(["excel": ("Saved by a European Excel: `;`, other header names", .string(
                    "First Name;Last Name;E-mail;Mobile;Date of Birth\r\nGiulia;Bianchi;giulia@example.com;+41 79 555 12 34;1990-04-12\r\n"
                        + "\"Anna Maria\";\"Rossi; jr.\";anna@example.com;;\r\n"))]),
                replies: [.ok(ImportReport.ref, "What the import did, or would do.")]))
            .streamingBody().withoutIdempotency(),
            Endpoint(.POST, "/crm/imports/leads", .frontDesk, "Import leads from a CSV file", use: importLeads, .init(
                "importLeads", tag: "Imports",
                "Creates a lead per row, as `POST /crm/leads` does (assigned to the row's salesperson, else the active "
                    + "salesperson with the fewest open leads, who is notified). A matched lead gets the row's last name, "
                    + "email, phone, notes or estimated value where it has none; its status and salesperson stay. "
                    + Self.importRules,
                parameters: [Self.dryRun, Param.queryEnum(
                    "source", LeadSource.self, "The source of rows without a `source` cell (then the column is optional).")],
                body: LeadImportFile.self, bodyMedia: "text/csv",
                bodyExamples: Example.named(["event": ("Leads from a fair", .string(
                    "source,First Name,Last Name,E-mail,Phone Number,Notes,Estimated Value\r\n"
                        + "walk_in,Giulia,Bianchi,giulia@example.com,+41 79 555 12 34,\"Asked about fillers, call in May\",750\r\n"))]),
                replies: [.ok(ImportReport.ref, "What the import did, or would do.")]))
            .streamingBody().withoutIdempotency(),
            Endpoint(.GET, "/crm/customers.csv", .everyone, "Export customers as CSV", use: exportCustomers, .init(
                "exportCustomers", tag: "Imports",
                "The rows of `GET /crm/customers` with the same filters, newest first, all of them (no paging), streamed. "
                    + Self.exportRules(CustomerResponse.schema),
                parameters: CustomerController.filterParameters + [Self.bom],
                replies: [.ok(Schema.string, "The customers as CSV.", media: "text/csv")], errors: [400])),
            Endpoint(.GET, "/crm/leads.csv", .everyone, "Export leads as CSV", use: exportLeads, .init(
                "exportLeads", tag: "Imports",
                "The rows of `GET /crm/leads` with the same filters, newest first, all of them (no paging), streamed. "
                    + Self.exportRules(LeadResponse.schema),
                parameters: LeadController.filterParameters + [Self.bom],
                replies: [.ok(Schema.string, "The leads as CSV.", media: "text/csv")], errors: [400])),
            Endpoint(.GET, "/crm/actions.csv", .everyone, "Export actions as CSV", use: exportActions, .init(
                "exportActions", tag: "Imports",
                "The rows of `GET /crm/actions` with the same filters and scope (a SALESPERSON gets the actions assigned to "
                    + "or created by them), in due order, all of them (no paging), streamed. "
                    + Self.exportRules(ActionResponse.schema),
                parameters: ActionController.filterParameters + [Self.bom],
                replies: [.ok(Schema.string, "The actions as CSV.", media: "text/csv")], errors: [400])),
        ]
    }

    private static func exportRules(_ schema: JSONSchema) -> String {
        "`text/csv; charset=utf-8`, an attachment, RFC 4180 (`,`, CRLF, quoted where needed), a header row with the JSON "
            + "list's keys (`" + CSVExport.columns(of: schema).joined(separator: "`, `") + "`). Empty values are empty "
            + "cells, free-form objects JSON text. Text starting with `=`, `+`, `-`, `@`, a tab or a carriage return is "
            + "prefixed with `'` so that a spreadsheet never runs it as a formula (a phone reads `'+41…`; the import drops "
            + "that `'` again)."
    }

    @Sendable func importCustomers(req: Request) async throws -> ImportReport {
        let dryRun = try QueryParameter.bool(req, "dryRun") ?? false
        let caller = try req.caller
        return try await Self.run(CustomerImport(db: req.db, clock: req.clock, caller: caller), dryRun: dryRun, req)
    }

    @Sendable func importLeads(req: Request) async throws -> ImportReport {
        let dryRun = try QueryParameter.bool(req, "dryRun") ?? false
        let source = try LeadSource.parse(req.query["source"], field: "source")
        let target = LeadImport(db: req.db, clock: req.clock, events: req.application.activityEvents,
                                caller: try req.caller, source: source)
        return try await Self.run(target, dryRun: dryRun, req)
    }

    /// Receives the file and hands it to the importer. A conflict the importer could not get
    /// past is a 503 here: the request cannot be run again once its body was read.
    private static func run<Target: ImportTarget>(_ target: Target, dryRun: Bool, _ req: Request) async throws -> ImportReport {
        let caller = try req.caller
        let upload = try await CSVUpload.receive(req)
        defer { upload.remove() }
        do {
            let report = try await CSVImporter(target: target, db: req.db, clock: req.clock, actor: caller.actor,
                                               logger: req.logger, dryRun: dryRun).importAndAudit(upload)
            req.logger.info("CSV import", metadata: [
                "import-kind": .string(target.kind), "dry-run": .stringConvertible(dryRun),
                "rows": .stringConvertible(report.counts.rows), "created": .stringConvertible(report.counts.created),
                "errors": .stringConvertible(report.counts.error),
            ])
            return report
        } catch where ConflictRetryMiddleware.isRetryable(error) {
            throw APIError(.serviceUnavailable, code: "database-busy",
                           detail: "The database is busy with conflicting changes; rows written so far stay. Import the file "
                               + "again shortly (rows already imported are recognised).",
                           headers: ["Retry-After": "1"])
        }
    }

    @Sendable func exportCustomers(req: Request) async throws -> Response {
        let filter = try CustomerFilter(query: req)
        let service = CustomerService(db: req.db, clock: req.clock)
        return try CSVExport.response(for: req, filename: "customers.csv", schema: CustomerResponse.schema) { page in
            try await service.list(filter, page: page).map { CustomerResponse($0) }
        }
    }

    @Sendable func exportLeads(req: Request) async throws -> Response {
        let filter = try LeadFilter(query: req)
        let service = LeadService(db: req.db, clock: req.clock, events: NoActivityEvents())
        return try CSVExport.response(for: req, filename: "leads.csv", schema: LeadResponse.schema) { page in
            try await service.list(filter, page: page).map(LeadResponse.init)
        }
    }

    @Sendable func exportActions(req: Request) async throws -> Response {
        let filter = try ActionFilter(query: req)
        let caller = try req.caller
        let service = ActionService(db: req.db, clock: req.clock)
        let now = req.clock.now
        return try CSVExport.response(for: req, filename: "actions.csv", schema: ActionResponse.schema) { page in
            try await service.withCustomers(try await service.list(filter, page: page, visibleTo: caller)).map { $0.response(now: now) }
        }
    }
}

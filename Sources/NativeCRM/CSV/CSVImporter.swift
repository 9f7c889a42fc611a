import CSV
import Fluent
import Foundation
import Vapor

/// Runs a CSV import: reads the spooled file with CSV.swift's streaming reader, checks each row with the
/// target's rules, matches it against the file's earlier rows and the stored records, and writes each
/// batch of `CSVLimits.batchSize` rows in one transaction (none at all on a dry run). Memory holds one
/// batch, the file's emails and phones, and the listed results.
///
/// A row is the same person as an earlier row or a stored record when their emails are equal, or their
/// phones are and they do not have two different emails (a family shares a phone). A row that matches a
/// stored record fills that record's empty fields (`updated`), or is a `duplicate` of it when it brings
/// nothing new; a row that matches an earlier row of the file is a `duplicate` of that row's record.
/// So importing the same file twice creates nothing the second time.
struct CSVImporter<Target: ImportTarget> {
    let target: Target
    let db: any Database
    let clock: CRMClock
    let actor: Actor
    let logger: Logger
    let dryRun: Bool

    /// Imports the file (or, on a dry run, only checks it) and audits a real import once, with its
    /// counts; the answer carries that entry's id as `importId`.
    func importAndAudit(_ upload: CSVUpload) async throws -> ImportReport {
        var report = try await run(upload)
        guard !dryRun else { return report }
        let id = UUID()
        let counts = ["rows": report.counts.rows, "created": report.counts.created, "updated": report.counts.updated,
                      "duplicate": report.counts.duplicate, "error": report.counts.error]
        try await Self.retrying {
            try await AuditLog(db: db, clock: clock, actor: actor).imported(id, kind: target.kind, counts: counts)
        }
        report.importId = id
        return report
    }

    func run(_ upload: CSVUpload) async throws -> ImportReport {
        guard let stream = InputStream(fileAtPath: upload.path) else { throw Self.unreadable }
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: false, trimFields: false, delimiter: upload.delimiter)
        } catch {
            throw Self.unreadable
        }
        guard let header = reader.next() else {
            throw APIError.invalid("body", "is empty: send a CSV file whose first row names the columns")
        }
        let map = try ColumnMap(header: header, columns: target.columns, given: Set(target.defaults.keys),
                                oneOf: ["email", "phone"])
        var state = State()
        var number = 1
        while true {
            var batch: [(number: Int, cells: [String])] = []
            while batch.count < CSVLimits.batchSize, let cells = reader.next() {
                number += 1
                if cells.allSatisfy({ $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) { continue }
                batch.append((number, cells))
            }
            if batch.isEmpty { break }
            try await process(batch, map: map, state: &state)
        }
        return ImportReport(
            importId: nil, kind: target.kind, dryRun: dryRun, delimiter: String(Character(upload.delimiter)),
            columns: map.mapped.map { ImportReport.ColumnUse(header: $0.header, field: $0.column.field) },
            ignoredColumns: map.ignored, counts: state.counts, rows: state.listed, rowsOmitted: state.omitted)
    }

    static var unreadable: APIError { APIError.invalid("body", "could not be read as CSV") }

    /// What the import knows across batches.
    struct State {
        /// The first row with each email (`e:`) and phone (`p:`), and that row's email.
        var seen: [String: (row: Int, email: String?)] = [:]
        /// The record each created or matched row stands for.
        var records: [Int: UUID] = [:]
        /// The first row that matched each stored record.
        var matched: [UUID: Int] = [:]
        /// Salespeople checked so far: nil when fine, else the message.
        var salespeople: [UUID: String?] = [:]
        var counts = ImportReport.Counts()
        var listed: [ImportReport.RowResult] = []
        var omitted = 0

        mutating func record(_ result: ImportReport.RowResult) {
            counts.rows += 1
            switch result.result {
            case .created: counts.created += 1
            case .updated: counts.updated += 1
            case .duplicate: counts.duplicate += 1
            case .error: counts.error += 1
            }
            guard result.result != .created else { return }
            if listed.count < CSVLimits.maxListedRows { listed.append(result) } else { omitted += 1 }
        }

        /// The earlier row this contact is, by the rule above.
        func earlierRow(email: String?, phone: String?) -> Int? {
            if let email, let hit = seen["e:" + email] { return hit.row }
            if let phone, let hit = seen["p:" + phone], hit.email == nil || email == nil { return hit.row }
            return nil
        }

        mutating func remember(row: Int, email: String?, phone: String?) {
            if let email, seen["e:" + email] == nil { seen["e:" + email] = (row, email) }
            if let phone, seen["p:" + phone] == nil { seen["p:" + phone] = (row, email) }
        }
    }

    /// What a row comes to before the batch is written.
    enum Plan {
        case error([ImportRowError])
        case create(Target.Checked)
        case update(UUID, [String: JSONValue])
        case duplicate(of: UUID?, row: Int?)
    }

    private func process(_ batch: [(number: Int, cells: [String])], map: ColumnMap, state: inout State) async throws {
        // 1. Each row on its own: cells, the create endpoint's checks, the salesperson it names.
        var checked: [(number: Int, row: Target.Checked?, errors: [ImportRowError])] = []
        for (number, cells) in batch {
            var (body, errors) = map.body(of: cells)
            if case var .object(fields) = body {
                for (key, value) in target.defaults where fields[key] == nil { fields[key] = value }
                body = .object(fields)
            }
            guard errors.isEmpty else {
                checked.append((number, nil, errors))
                continue
            }
            do {
                let row = try target.check(body)
                let contact = target.contact(of: row)
                if contact.email == nil, contact.phone == nil {
                    errors.append(ImportRowError(column: map.header(of: "email"),
                                                 message: "a row needs an email or a phone number, so that importing the file again finds it"))
                }
                if let salesID = target.salesID(of: row), let problem = try await salesProblem(salesID, &state) {
                    errors.append(ImportRowError(column: map.header(of: "assignedSalesId"), message: problem))
                }
                checked.append((number, errors.isEmpty ? row : nil, errors))
            } catch let error as APIError where error.status == .badRequest {
                checked.append((number, nil, Self.rowErrors(error, map)))
            }
        }

        // 2. Stored records with the batch's emails and phones (one query).
        var emails = Set<String>(), phones = Set<String>()
        for item in checked {
            guard let row = item.row else { continue }
            let contact = target.contact(of: row)
            if let email = contact.email { emails.insert(email) }
            if let phone = contact.phone { phones.insert(phone) }
        }
        var byEmail: [String: Target.Existing] = [:], byPhone: [String: [Target.Existing]] = [:]
        if !emails.isEmpty || !phones.isEmpty {
            for record in try await target.existing(emails: emails.sorted(), phones: phones.sorted(), on: db) {
                let contact = target.contact(of: record)
                if let email = contact.email, byEmail[email] == nil { byEmail[email] = record }
                if let phone = contact.phone { byPhone[phone, default: []].append(record) }
            }
        }

        // 3. Each row against the file's earlier rows, then the stored records.
        var plans: [(number: Int, plan: Plan)] = []
        for item in checked {
            guard let row = item.row else {
                plans.append((item.number, .error(item.errors)))
                continue
            }
            let (email, phone) = target.contact(of: row)
            if let earlier = state.earlierRow(email: email, phone: phone) {
                plans.append((item.number, .duplicate(of: nil, row: earlier)))
                continue
            }
            let record = email.flatMap { byEmail[$0] } ?? phone.flatMap { phone in
                byPhone[phone]?.first { email == nil || target.contact(of: $0).email == nil }
            }
            guard let record else {
                state.remember(row: item.number, email: email, phone: phone)
                plans.append((item.number, .create(row)))
                continue
            }
            let stored = target.contact(of: record)
            let id = stored.id
            // From here on the record's (first matching row's) email and phones are known as the file's too.
            let owner = state.matched[id] ?? item.number
            state.remember(row: owner, email: email ?? stored.email, phone: phone)
            if let storedPhone = stored.phone { state.remember(row: owner, email: email ?? stored.email, phone: storedPhone) }
            if let first = state.matched[id] {
                plans.append((item.number, .duplicate(of: id, row: first)))
                continue
            }
            state.matched[id] = item.number
            state.records[item.number] = id
            let patch = target.fill(record, from: row)
            plans.append((item.number, patch.isEmpty ? .duplicate(of: id, row: nil) : .update(id, patch)))
        }

        // 4. The batch's writes, in one transaction; a row that fails alone is that row's error.
        var failed: [Int: [ImportRowError]] = [:]
        if !dryRun {
            failed = try await write(plans, map: map, state: &state)
        }

        // 5. The results.
        for (number, plan) in plans {
            if let errors = failed[number] {
                state.record(.init(row: number, result: .error, errors: errors))
                continue
            }
            switch plan {
            case let .error(errors): state.record(.init(row: number, result: .error, errors: errors))
            case .create: state.record(.init(row: number, result: .created, id: state.records[number]))
            case let .update(id, patch):
                state.record(.init(row: number, result: .updated, id: id, fields: patch.keys.sorted()))
            case let .duplicate(id, row):
                state.record(.init(row: number, result: .duplicate, duplicateOf: id ?? row.flatMap { state.records[$0] },
                                   duplicateOfRow: row))
            }
        }
    }

    /// Writes the batch's creates and updates in one transaction, retried on a conflict; when it fails
    /// otherwise, row by row, so that only the rows that cannot be stored are errors.
    private func write(_ plans: [(number: Int, plan: Plan)], map: ColumnMap, state: inout State) async throws
        -> [Int: [ImportRowError]]
    {
        let creates = plans.compactMap { item -> (Int, Target.Checked)? in
            if case let .create(row) = item.plan { return (item.number, row) }
            return nil
        }
        let updates = plans.compactMap { item -> (UUID, [String: JSONValue])? in
            if case let .update(id, patch) = item.plan { return (id, patch) }
            return nil
        }
        guard !creates.isEmpty || !updates.isEmpty else { return [:] }
        let target = target
        do {
            let rows = creates.map(\.1)
            let ids = try await Self.retrying {
                try await db.transaction { db in
                    let ids = try await target.create(rows, on: db)
                    for (id, patch) in updates { try await target.update(id, patch, on: db) }
                    return ids
                }
            }
            for (index, (number, _)) in creates.enumerated() { state.records[number] = ids[index] }
            return [:]
        } catch {
            logger.warning("import batch failed; storing its rows one by one", metadata: ErrorSummary(error).metadata)
        }
        var failed: [Int: [ImportRowError]] = [:]
        for (number, plan) in plans {
            do {
                switch plan {
                case let .create(row):
                    let ids = try await Self.retrying { try await db.transaction { db in try await target.create([row], on: db) } }
                    state.records[number] = ids.first
                case let .update(id, patch):
                    try await Self.retrying { try await db.transaction { db in try await target.update(id, patch, on: db) } }
                case .error, .duplicate: continue
                }
            } catch let error as APIError where error.status.code < 500 {
                failed[number] = Self.rowErrors(error, map)
            } catch {
                logger.warning("import row could not be stored", metadata: ErrorSummary(error).metadata)
                failed[number] = [ImportRowError(column: "row", message: "could not be stored")]
            }
        }
        return failed
    }

    /// Runs `work` again when the database aborted it to resolve a conflict (at most 3 runs); the
    /// request itself cannot be retried once its body was read.
    static func retrying<T>(_ work: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await work()
            } catch where ConflictRetryMiddleware.isRetryable(error) && attempt < ConflictRetryMiddleware.attempts {
                try await Task.sleep(for: .milliseconds(Int.random(in: (10 << attempt)...(40 << attempt))))
                attempt += 1
            }
        }
    }

    private func salesProblem(_ id: UUID, _ state: inout State) async throws -> String? {
        if let known = state.salespeople[id] { return known }
        var problem: String?
        do {
            try await User.requireActive(id, role: .salesperson, field: "assignedSalesId", on: db)
        } catch let error as APIError where error.status.code < 500 {
            problem = error.errors.first?.message ?? error.detail
        }
        state.salespeople[id] = problem
        return problem
    }

    /// A field's problems named by the file's columns.
    static func rowErrors(_ error: APIError, _ map: ColumnMap) -> [ImportRowError] {
        guard !error.errors.isEmpty else { return [ImportRowError(column: "row", message: error.detail)] }
        return error.errors.map { ImportRowError(column: map.header(of: $0.field), message: $0.message) }
    }
}

import Fluent
import SQLKit
import Vapor

/// Keeps each stored record's statistics equal to `RecordStatistics.compute`, inside the caller's
/// transaction. The domains that change a customer's history (appointments, communications) call it;
/// it calls no other domain back.
struct RecordStatisticsWriter: Sendable {
    let db: any Database
    let clock: CRMClock

    /// Recomputes and stores one customer's statistics. The record is locked first, so two writes
    /// for the same customer recompute one after the other and the later one counts both.
    func recompute(customerID: UUID) async throws {
        try await RowLock(db: db).lock(CustomerRecord.schema, keyColumn: "customer_id", id: customerID)
        let stats = try await RecordStatistics.compute(customerID: customerID, on: db)
        guard let record = try await CustomerRecord.query(on: db).filter(\.$customerID == customerID).first() else {
            throw APIError.notFound("Customer record")
        }
        guard record.needs(stats) else { return }
        record.apply(stats)
        record.updatedAt = clock.now
        try await record.save(on: db)
    }

    /// Recomputes every record in batches of `batchSize` (the `crm recompute-records` command).
    /// Returns how many records changed.
    func recomputeAll(batchSize: Int = 500, progress: (Int) -> Void = { _ in }) async throws -> Int {
        var changed = 0
        var seen = 0
        var after: UUID?
        while true {
            let query = CustomerRecord.query(on: db).sort(\.$customerID).limit(batchSize)
            if let after { query.filter(\.$customerID > after) }
            let batch = try await query.all()
            guard let last = batch.last else { break }
            changed += try await db.transaction { db in
                var changedInBatch = 0
                for record in batch {
                    let stats = try await RecordStatistics.compute(customerID: record.customerID, on: db)
                    if record.needs(stats) {
                        record.apply(stats)
                        record.updatedAt = clock.now
                        try await record.save(on: db)
                        changedInBatch += 1
                    }
                }
                return changedInBatch
            }
            seen += batch.count
            progress(seen)
            after = last.customerID
        }
        return changed
    }

    /// The first contact moves a `new` record to `contacted` (an edit of the record: versioned, audited).
    /// The version is claimed in the same statement that checks the status is still `new`, so a
    /// concurrent edit of the record is neither overwritten nor given the same version.
    func markContacted(customerID: UUID, by actor: Actor) async throws {
        let claimed = try await VersionGate(db: db).claimAll(CustomerRecord.schema, keyColumn: "customer_id",
            where: "customer_id = \(bind: customerID) AND customer_status = \(bind: CustomerStatus.new.rawValue)")
        guard let version = claimed[customerID], let record = try await CustomerRecord.query(on: db)
            .filter(\.$customerID == customerID).first() else { return }
        let before = record.auditFields
        record.customerStatus = .contacted
        record.version = version
        record.updatedAt = clock.now
        try await record.save(on: db)
        try await AuditLog(db: db, clock: clock, actor: actor).updated(record, before: before)
    }
}

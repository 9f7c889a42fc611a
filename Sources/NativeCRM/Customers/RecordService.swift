import Fluent
import SQLKit
import Vapor

/// The customer record: its view (seed shape), its three editable fields, and its stored statistics,
/// which `recompute` keeps equal to `RecordStatistics.compute` inside the caller's transaction.
struct RecordService: Sendable {
    let db: any Database
    let clock: CRMClock

    /// How many appointments, communications and actions the record view carries (newest first);
    /// the paged endpoints give the rest.
    static let viewLimit = 100

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

    /// `GET /crm/customers/:id/record`.
    func view(customerID: UUID, for caller: AuthenticatedUser) async throws -> (CustomerRecordResponse, Int) {
        let customer = try await CustomerService(db: db, clock: clock).find(customerID)
        let record = try await find(customerID)
        let appointments = AppointmentService(db: db, clock: clock)
        let recent = try await appointments.recent(forCustomer: customerID, limit: Self.viewLimit)
        let now = clock.now
        // Fewer rows than the limit is every appointment: the next one and the visits are in hand.
        let complete = recent.count < Self.viewLimit
        let next = complete
            ? recent.map(\.appointment).filter { $0.status.isUpcoming && $0.startTime > now }.map(\.startTime).min()
            : try await appointments.nextAppointmentDate(forCustomer: customerID, after: now)
        let visits = complete
            ? recent.filter { $0.appointment.status == .completed }
            : try await appointments.recent(forCustomer: customerID, limit: Self.viewLimit, completedOnly: true)
        let communications = try await CommunicationService(db: db, clock: clock, events: NoActivityEvents())
            .recent(customerID: customerID, limit: Self.viewLimit)
        let actions = try await ActionService(db: db, clock: clock)
            .forCustomer(customerID, visibleTo: caller, limit: Self.viewLimit)
        let view = CustomerRecordResponse(
            record: Self.response(record, nextAppointment: next, visits: visits),
            customer: CustomerResponse(customer),
            appointments: recent.map(\.response),
            communications: communications.map(CommunicationResponse.init),
            actions: actions.map { ActionResponse($0, now: now, customer: customer) },
            tags: try await TagService(db: db, clock: clock).tags(ofCustomer: customerID))
        return (view, record.version)
    }

    /// `PUT /crm/customers/:id/record`: status, notes and preferences (merged shallowly) only, under
    /// optimistic concurrency. Returns the record block and its new version.
    func update(customerID: UUID, _ input: Input<UpdateRecordRequest>, expected: Int?, by caller: AuthenticatedUser) async throws
        -> (RecordResponse, Int)
    {
        var errors = input.problems
        errors.maxLength(input.notes.newValue, "notes", TextLimits.notes)
        try errors.throwIfAny()
        return try await db.transaction { db in
            if try await Customer.find(customerID, on: db) != nil { try await RowLock(db: db).customer(customerID) }
            let record = try await VersionedEdit(db: db, clock: clock, actor: caller.actor)
                .apply(CustomerRecord.self, id: customerID, keyColumn: "customer_id", expected: expected,
                       notFound: "Customer") { record in
                    if let status = input.customerStatus { record.customerStatus = status }
                    if input.notes.isPresent { record.notes = input.notes.newValue }
                    if let patch = input.preferences {
                        record.preferences = try record.preferences.mergedWithinLimits(patch, field: "preferences")
                    }
                }
            let appointments = AppointmentService(db: db, clock: clock)
            let next = try await appointments.nextAppointmentDate(forCustomer: customerID, after: clock.now)
            let visits = try await appointments.recent(forCustomer: customerID, limit: Self.viewLimit, completedOnly: true)
            return (Self.response(record, nextAppointment: next, visits: visits), record.version)
        }
    }

    private func find(_ customerID: UUID) async throws -> CustomerRecord {
        guard let record = try await CustomerRecord.query(on: db).filter(\.$customerID == customerID).first() else {
            throw APIError.notFound("Customer")
        }
        return record
    }

    /// The `record` block: stored statistics, the time-dependent next appointment, and the completed
    /// visits (newest first).
    private static func response(_ record: CustomerRecord, nextAppointment: Date?, visits: [AppointmentView])
        -> RecordResponse
    {
        let history = visits.map {
            TreatmentHistoryEntry(appointmentId: $0.appointment.id!, serviceName: $0.serviceName,
                                  clinicName: $0.clinicName, date: $0.appointment.startTime,
                                  totalAmount: Money(cents: $0.appointment.totalAmountCents),
                                  treatmentDetails: $0.appointment.treatmentDetails)
        }
        return RecordResponse(record: record, statistics: record.statistics, nextAppointment: nextAppointment,
                              treatmentHistory: history)
    }
}

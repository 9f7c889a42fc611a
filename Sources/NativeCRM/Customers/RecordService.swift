import Fluent
import SQLKit
import Vapor

/// The customer record's own edit: its three editable fields (status, notes, preferences). Its view
/// is `RecordView`; its statistics are written by `RecordStatisticsWriter`.
struct RecordService: Sendable {
    let db: any Database
    let clock: CRMClock

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
            let visits = try await appointments.recent(forCustomer: customerID, limit: RecordView.viewLimit, completedOnly: true)
            return (Self.response(record, nextAppointment: next, visits: visits), record.version)
        }
    }

    func find(_ customerID: UUID) async throws -> CustomerRecord {
        guard let record = try await CustomerRecord.query(on: db).filter(\.$customerID == customerID).first() else {
            throw APIError.notFound("Customer")
        }
        return record
    }

    /// The `record` block: stored statistics, the time-dependent next appointment, and the completed
    /// visits (newest first).
    static func response(_ record: CustomerRecord, nextAppointment: Date?, visits: [AppointmentView])
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

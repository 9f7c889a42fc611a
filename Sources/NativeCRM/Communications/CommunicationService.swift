import Fluent
import Vapor

/// The communication log and its side effects (SPEC): last contact, `new` → `contacted`, and a
/// "Return missed call" action plus an alert for a missed call — all in the logging transaction.
struct CommunicationService: Sendable {
    let db: any Database
    let clock: CRMClock
    let events: any ActivityEvents

    func log(_ input: CreateCommunicationRequest, by caller: AuthenticatedUser) async throws -> Communication {
        var errors = FieldErrors()
        let status = input.status ?? .completed
        if let seconds = input.durationSeconds {
            errors.check(seconds >= 0 && seconds <= 86_400, "durationSeconds", "must be from 0 to 86400")
        }
        if status == .scheduled {
            errors.check(input.scheduledAt != nil, "scheduledAt", "is required when status is scheduled")
        }
        errors.maxLength(input.subject, "subject", TextLimits.title)
        errors.maxLength(input.notes, "notes", TextLimits.notes)
        try errors.throwIfAny()
        let customer = try await CustomerService(db: db, clock: clock).require(input.customerId, field: "customerId")

        let now = clock.now
        let communication = Communication()
        communication.customerID = input.customerId
        communication.type = input.type
        communication.direction = input.direction
        communication.status = status
        communication.subject = ContactFields.trimmed(input.subject)
        communication.notes = ContactFields.trimmed(input.notes)
        communication.durationSeconds = input.durationSeconds
        communication.scheduledAt = input.scheduledAt
        communication.occurredAt = input.occurredAt ?? (status == .scheduled ? input.scheduledAt! : now)
        communication.metadata = input.metadata ?? JSONObject()
        communication.loggedBy = caller.id
        communication.createdAt = now
        communication.updatedAt = now

        try await db.transaction { db in
            try await RowLock(db: db).customer(customer.id!)
            try await communication.create(on: db)
            try await AuditLog(db: db, clock: clock, actor: caller.actor).created(communication)
            let records = RecordService(db: db, clock: clock)
            if communication.isContact {
                try await records.markContacted(customerID: customer.id!, by: caller.actor)
            }
            try await records.recompute(customerID: customer.id!)
            if communication.isMissedCall {
                let recipient = customer.assignedSalesID ?? caller.id
                _ = try await ActionService(db: db, clock: clock).createAutomatic(AutomaticAction(
                    customerID: customer.id!, type: .phoneCall, title: "Return missed call",
                    description: "The customer called and could not be reached. Call them back.",
                    priority: .high, dueDate: communication.occurredAt.addingTimeInterval(3600),
                    assignedTo: recipient, createdBy: caller.id, relatedAppointmentID: nil), by: caller.actor)
                try await events.missedCall(communication, recipient: recipient, on: db)
            }
        }
        return communication
    }

    /// A customer's history, newest first, keyset-paged on (occurred_at, id).
    func history(customerID: UUID, _ filter: CommunicationFilter, page: PageRequest) async throws -> Page<Communication> {
        try QueryParameter.checkPeriod(from: filter.start, to: filter.end, endField: "endDate",
                                       "must not be before startDate")
        _ = try await CustomerService(db: db, clock: clock).find(customerID)
        return try await self.page(customerID: customerID, filter, page)
    }

    /// The most recent communications of a customer the caller has already found (the record view).
    func recent(customerID: UUID, limit: Int) async throws -> [Communication] {
        try await page(customerID: customerID, CommunicationFilter(), PageRequest(limit: limit)).items
    }

    private func page(customerID: UUID, _ filter: CommunicationFilter, _ page: PageRequest) async throws
        -> Page<Communication>
    {
        let query = Communication.query(on: db).filter(\.$customerID == customerID)
        if let type = filter.type { query.filter(\.$type == type) }
        if let start = filter.start { query.filter(\.$occurredAt >= start) }
        if let end = filter.end { query.filter(\.$occurredAt < end) }
        return try await query.page(newestFirstBy: \.$occurredAt, page) { $0.occurredAt }
    }
}

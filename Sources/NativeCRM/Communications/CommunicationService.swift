import Fluent
import Vapor

/// The communication log and its side effects (SPEC): last contact, `new` → `contacted`, and a
/// "Return missed call" action plus an alert for a missed call — all in the logging transaction.
struct CommunicationService: Sendable {
    /// A communication's length in seconds: up to a day.
    static let durationRange = 0...86_400

    let db: any Database
    let clock: CRMClock
    let events: any ActivityEvents

    func log(_ input: Input<CreateCommunicationRequest>, by caller: AuthenticatedUser) async throws -> Communication {
        var errors = input.problems
        let status = input.status ?? .completed
        if let seconds = input.durationSeconds {
            errors.check(Self.durationRange.contains(seconds), "durationSeconds",
                         "must be from \(Self.durationRange.lowerBound) to \(Self.durationRange.upperBound)")
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
        communication.version = 1

        try await db.transaction { db in
            try await RowLock(db: db).customer(customer.id!)
            try await communication.create(on: db)
            try await AuditLog(db: db, clock: clock, actor: caller.actor).created(communication)
            try await WebhookOutbox(db: db, clock: clock).record(.communicationLogged, entity: "communication",
                                                                 id: communication.id!) { CommunicationResponse(communication) }
            try await CommunicationService(db: db, clock: clock, events: events)
                .applyOutcome(of: communication, customer: customer, by: caller)
        }
        return communication
    }

    /// What a logged outcome does (SPEC), for a new communication or a scheduled one that took place:
    /// the record's contact date and status, its statistics, and for a missed call a "Return missed
    /// call" action and alert. Runs inside the caller's transaction, after the customer's lock.
    private func applyOutcome(of communication: Communication, customer: Customer, by caller: AuthenticatedUser)
        async throws
    {
        let records = RecordStatisticsWriter(db: db, clock: clock)
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

    /// `PATCH /crm/communications/:id` by the person who logged it, the customer's salesperson, the front
    /// desk or a manager, under
    /// optimistic concurrency. A scheduled one may take place (any other status: its outcome applies as
    /// if newly logged, at the time it is marked), be cancelled or move (`scheduledAt`; its reminder
    /// moves with it, and none is sent once it is no longer scheduled). Audited.
    func update(_ id: UUID, _ input: Input<UpdateCommunicationRequest>, expected: Int?, by caller: AuthenticatedUser)
        async throws -> Communication
    {
        var errors = input.problems
        errors.maxLength(input.subject.newValue, "subject", TextLimits.title)
        errors.maxLength(input.notes.newValue, "notes", TextLimits.notes)
        try errors.throwIfAny()
        return try await db.transaction { db in
            guard let owner = try await Communication.find(id, on: db) else { throw APIError.notFound("Communication") }
            if caller.role == .salesperson, owner.loggedBy != caller.id {
                // The customer's salesperson closes the callbacks the front desk scheduled for them.
                let customer = try await CustomerService(db: db, clock: clock).find(owner.customerID)
                guard customer.assignedSalesID == caller.id else {
                    throw APIError(.forbidden, code: "forbidden", detail: "Only the person who logged it, the customer's "
                                   + "salesperson, the front desk or a manager changes a communication.")
                }
            }
            try await RowLock(db: db).customer(owner.customerID)
            var tookPlace = false
            let communication = try await VersionedEdit(db: db, clock: clock, actor: caller.actor)
                .apply(Communication.self, id: id, expected: expected, notFound: "Communication") { communication in
                    let wasScheduled = communication.status == .scheduled
                    let target = input.status ?? communication.status
                    if !wasScheduled, target != communication.status || input.scheduledAt != nil {
                        throw APIError.conflict("Only a scheduled communication changes status or time; this one is "
                                                + "\(communication.status.rawValue).", code: "communication-closed")
                    }
                    if let scheduledAt = input.scheduledAt {
                        guard target == .scheduled else {
                            throw APIError.invalid("scheduledAt", "can only be given while the communication stays scheduled")
                        }
                        communication.scheduledAt = scheduledAt
                        communication.occurredAt = scheduledAt
                    }
                    tookPlace = wasScheduled && target != .scheduled && target != .cancelled
                    if tookPlace { communication.occurredAt = clock.now }
                    communication.status = target
                    if input.subject.isPresent { communication.subject = ContactFields.trimmed(input.subject.newValue) }
                    if input.notes.isPresent { communication.notes = ContactFields.trimmed(input.notes.newValue) }
                }
            let tx = CommunicationService(db: db, clock: clock, events: events)
            if tookPlace {
                let customer = try await CustomerService(db: db, clock: clock).find(communication.customerID)
                try await tx.applyOutcome(of: communication, customer: customer, by: caller)
            } else {
                try await RecordStatisticsWriter(db: db, clock: clock).recompute(customerID: communication.customerID)
            }
            return communication
        }
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

    /// The customer's communications by occurrence, newest first, after `position` (the customer timeline's rows).
    func timeline(customerID: UUID, rank: Int, after position: TimelinePosition?, limit: Int) async throws -> [Communication] {
        try await Communication.query(on: db).filter(\.$customerID == customerID)
            .newestFirst(by: \.$occurredAt, rank: rank, after: position, limit: limit).all()
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

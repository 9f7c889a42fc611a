import Fluent
import Vapor

/// An appointment with the names the API shows next to it.
struct AppointmentView: Sendable {
    let appointment: Appointment
    let serviceName: String
    let clinicName: String

    var response: AppointmentResponse {
        AppointmentResponse(appointment, serviceName: serviceName, clinicName: clinicName)
    }
}

/// Appointments and their lifecycle. Every change updates the customer's record statistics and the
/// automatic actions (SPEC "Integration") in the same transaction.
struct AppointmentService: Sendable {
    let db: any Database
    let clock: CRMClock
    /// For the times in the texts people read (the confirmation call's description).
    var clinicTime = ClinicTime.utc

    /// Which status may follow which. Completed and cancelled are final.
    static let transitions: [AppointmentStatus: Set<AppointmentStatus>] = [
        .scheduled: [.confirmed, .completed, .cancelled, .noShow],
        .confirmed: [.scheduled, .completed, .cancelled, .noShow],
        .noShow: [.scheduled],
        .completed: [],
        .cancelled: [],
    ]

    /// How long an appointment without `endTime` occupies the customer when its service has no duration.
    static let defaultDuration: TimeInterval = 30 * 60
    /// The longest an appointment may last (`endTime` at most this after `startTime`).
    static let longestDuration: TimeInterval = 24 * 3600

    func create(_ input: Input<CreateAppointmentRequest>, by caller: AuthenticatedUser) async throws -> AppointmentView {
        var errors = input.problems
        if let end = input.endTime { Self.checkEnd(end, start: input.startTime, &errors) }
        errors.maxLength(input.notes, "notes", TextLimits.notes)
        try errors.throwIfAny()
        let status = input.status ?? .scheduled
        try Self.checkStarted(status, start: input.startTime, now: clock.now)
        let catalog = CatalogService(db: db, clock: clock)
        _ = try await CustomerService(db: db, clock: clock).require(input.customerId, field: "customerId")
        let service = try await catalog.requireService(input.serviceId)
        let clinic = try await catalog.requireClinic(input.clinicId)

        let now = clock.now
        let appointment = Appointment()
        appointment.customerID = input.customerId
        appointment.serviceID = input.serviceId
        appointment.clinicID = input.clinicId
        appointment.startTime = input.startTime
        appointment.endTime = input.endTime
        appointment.status = status
        appointment.totalAmountCents = (input.totalAmount ?? Money(cents: service.priceCents)).cents
        appointment.treatmentDetails = input.treatmentDetails ?? JSONObject()
        appointment.notes = ContactFields.trimmed(input.notes)
        appointment.createdBy = caller.id
        appointment.createdAt = now
        appointment.updatedAt = now
        appointment.version = 1
        try await db.transaction { db in
            // The customer's salesperson, read under the customer's lock: a reassignment running at the
            // same time either finishes first (and is seen here) or waits and then moves this one too.
            try await RowLock(db: db).customer(input.customerId)
            let customer = try await CustomerService(db: db, clock: clock).find(input.customerId)
            appointment.salesID = customer.assignedSalesID
            if status.isUpcoming {
                try await AppointmentService(db: db, clock: clock, clinicTime: clinicTime)
                    .checkNoOverlap(appointment, duration: service.durationMinutes, excluding: nil)
            }
            try await appointment.create(on: db)
            try await AuditLog(db: db, clock: clock, actor: caller.actor).created(appointment)
            // Back-filled history (created completed, cancelled or no-show) announces nothing.
            if appointment.status.isUpcoming {
                try await Self.announce(.appointmentScheduled, AppointmentView(appointment: appointment, serviceName: service.name,
                                                                               clinicName: clinic.name), on: db, clock: clock)
            }
            // Back-filled history (created completed, cancelled or no-show) gets no actions.
            if appointment.status == .scheduled {
                try await createConfirmation(for: appointment, customer: customer, serviceName: service.name,
                                             by: caller, on: db)
            }
            try await RecordStatisticsWriter(db: db, clock: clock).recompute(customerID: appointment.customerID)
        }
        return AppointmentView(appointment: appointment, serviceName: service.name, clinicName: clinic.name)
    }

    func find(_ id: UUID) async throws -> AppointmentView {
        guard let view = try await views(joined(Appointment.query(on: db)).filter(\.$id == id).limit(1)).first else {
            throw APIError.notFound("Appointment")
        }
        return view
    }

    /// By start time (earliest first), keyset-paged; filters on indexed columns.
    func list(_ filter: AppointmentFilter, page: PageRequest) async throws -> Page<AppointmentView> {
        try QueryParameter.checkPeriod(from: filter.from, to: filter.to, endField: "to", "must be after from")
        let query = joined(Appointment.query(on: db))
        if let customerID = filter.customerID { query.filter(\.$customerID == customerID) }
        if let status = filter.status { query.filter(\.$status == status) }
        if let from = filter.from { query.filter(\.$startTime >= from) }
        if let to = filter.to { query.filter(\.$startTime < to) }
        let rows = try await query.page(by: \.$startTime, .ascending, page) { $0.startTime }
        return Page(items: try rows.items.map(Self.view), next: rows.next)
    }

    /// Partial update under optimistic concurrency, with the status rules and automatic actions.
    func update(_ id: UUID, _ input: Input<UpdateAppointmentRequest>, expected: Int?, by caller: AuthenticatedUser) async throws
        -> AppointmentView
    {
        var errors = input.problems
        errors.maxLength(input.notes.newValue, "notes", TextLimits.notes)
        try errors.throwIfAny()
        return try await db.transaction { db in
            let tx = AppointmentService(db: db, clock: clock, clinicTime: clinicTime)
            // The customer and record first (RowLock.customer's order), then the appointment.
            guard let owner = try await Appointment.find(id, on: db)?.customerID else { throw APIError.notFound("Appointment") }
            try await RowLock(db: db).customer(owner)
            var before = AppointmentStatus.scheduled
            var reschedules = false
            let appointment = try await VersionedEdit(db: db, clock: clock, actor: caller.actor)
                .apply(Appointment.self, id: id, expected: expected, notFound: "Appointment") { appointment in
                    before = appointment.status
                    let target = input.status ?? before
                    reschedules = (input.startTime.map { $0 != appointment.startTime } ?? false)
                        || input.endTime.applied(to: appointment.endTime) != appointment.endTime
                    if before == .completed || before == .cancelled {
                        if target != before {
                            throw APIError.conflict("A \(before.rawValue) appointment cannot change status.",
                                                    code: "appointment-closed")
                        }
                        if reschedules {
                            throw APIError.conflict("A \(before.rawValue) appointment cannot be rescheduled.",
                                                    code: "appointment-closed")
                        }
                    } else if target != before, !(Self.transitions[before] ?? []).contains(target) {
                        throw APIError.conflict("An appointment cannot go from \(before.rawValue) to \(target.rawValue).",
                                                code: "invalid-transition")
                    }
                    let catalog = CatalogService(db: db, clock: clock)
                    let service = try await catalog.requireService(input.serviceId ?? appointment.serviceID)
                    if let clinicID = input.clinicId { _ = try await catalog.requireClinic(clinicID) }
                    let start = input.startTime ?? appointment.startTime
                    let end = input.endTime.applied(to: appointment.endTime)
                    if let end {
                        var endErrors = FieldErrors()
                        Self.checkEnd(end, start: start, &endErrors)
                        try endErrors.throwIfAny()
                    }
                    if target != before { try Self.checkStarted(target, start: start, now: clock.now) }

                    if let serviceID = input.serviceId { appointment.serviceID = serviceID }
                    if let clinicID = input.clinicId { appointment.clinicID = clinicID }
                    appointment.startTime = start
                    appointment.endTime = end
                    appointment.status = target
                    if let amount = input.totalAmount { appointment.totalAmountCents = amount.cents }
                    if let details = input.treatmentDetails {
                        appointment.treatmentDetails = try appointment.treatmentDetails.mergedWithinLimits(details, field: "treatmentDetails")
                    }
                    if input.notes.isPresent { appointment.notes = ContactFields.trimmed(input.notes.newValue) }
                    // A move, a change of treatment or a rebooking must not double-book the customer.
                    if target.isUpcoming, reschedules || input.serviceId != nil || !before.isUpcoming {
                        try await tx.checkNoOverlap(appointment, duration: service.durationMinutes, excluding: id)
                    }
                }
            try await tx.applySideEffects(of: appointment, from: before, rescheduled: reschedules, by: caller)
            try await RecordStatisticsWriter(db: db, clock: clock).recompute(customerID: appointment.customerID)
            let view = try await tx.find(id)
            let event: WebhookEventType? = switch (before, appointment.status) {
            case (_, .completed) where before != .completed: .appointmentCompleted
            case (_, .cancelled) where before != .cancelled: .appointmentCancelled
            case (_, let now) where now.isUpcoming && (reschedules || !before.isUpcoming): .appointmentScheduled
            default: nil
            }
            if let event { try await Self.announce(event, view, on: db, clock: clock) }
            return view
        }
    }

    /// Writes an appointment's webhook event in the change's transaction.
    private static func announce(_ event: WebhookEventType, _ view: AppointmentView, on db: any Database,
                                 clock: CRMClock) async throws {
        try await WebhookOutbox(db: db, clock: clock).record(event, entity: "appointment", id: view.appointment.id!) {
            view.response
        }
    }

    /// A customer's appointments, latest first (for the record view).
    func recent(forCustomer customerID: UUID, limit: Int, completedOnly: Bool = false) async throws -> [AppointmentView] {
        let query = joined(Appointment.query(on: db)).filter(\.$customerID == customerID)
        if completedOnly { query.filter(\.$status == .completed) }
        return try await views(query.sort(\.$startTime, .descending).sort(\.$id, .descending).limit(limit))
    }

    /// Appointments keep a copy of their customer's salesperson (revenue by salesperson reads one
    /// index range); the customer's reassignment updates it here, in the caller's transaction.
    func setSalesperson(ofCustomer customerID: UUID, to salesID: UUID?) async throws {
        try await Appointment.query(on: db).filter(\.$customerID == customerID).set(\.$salesID, to: salesID).update()
    }

    /// The customer's appointments by start, newest first, after `position` (the customer timeline's rows).
    func timeline(forCustomer customerID: UUID, rank: Int, after position: TimelinePosition?, limit: Int) async throws
        -> [AppointmentView]
    {
        try await views(joined(Appointment.query(on: db)).filter(\.$customerID == customerID)
            .newestFirst(by: \.$startTime, rank: rank, after: position, limit: limit))
    }

    /// The earliest scheduled or confirmed start after `now` (the record's `nextAppointmentDate`).
    func nextAppointmentDate(forCustomer customerID: UUID, after now: Date) async throws -> Date? {
        try await Appointment.query(on: db)
            .filter(\.$customerID == customerID)
            .filter(\.$status ~~ AppointmentStatus.upcoming)
            .filter(\.$startTime > now)
            .sort(\.$startTime, .ascending).first()?.startTime
    }

    // MARK: Automatic actions

    private func applySideEffects(of appointment: Appointment, from before: AppointmentStatus, rescheduled: Bool,
                                  by caller: AuthenticatedUser) async throws {
        let actions = ActionService(db: db, clock: clock)
        let id = appointment.id!
        switch (before, appointment.status) {
        case (_, .cancelled) where before != .cancelled, (_, .noShow) where before != .noShow:
            try await actions.settleConfirmations(ofAppointment: id, as: .cancelled, by: caller.actor)
        case (_, .confirmed) where before != .confirmed:
            try await actions.settleConfirmations(ofAppointment: id, as: .completed, by: caller.actor)
        case (_, .completed) where before != .completed:
            try await actions.settleConfirmations(ofAppointment: id, as: .completed, by: caller.actor)
            let customer = try await CustomerService(db: db, clock: clock).find(appointment.customerID)
            _ = try await actions.createAutomatic(AutomaticAction(
                customerID: appointment.customerID, type: .followUp, title: "Post-treatment check-in",
                description: "Check how the customer feels after the treatment and suggest the next visit.",
                priority: .medium, dueDate: appointment.startTime.addingTimeInterval(2 * 86_400),
                assignedTo: customer.assignedSalesID, createdBy: caller.id, relatedAppointmentID: id), by: caller.actor)
        case (.noShow, .scheduled), (.confirmed, .scheduled):  // rebooked, or to be confirmed again
            let customer = try await CustomerService(db: db, clock: clock).find(appointment.customerID)
            let service = try await CatalogService(db: db, clock: clock).requireService(appointment.serviceID)
            try await createConfirmation(for: appointment, customer: customer, serviceName: service.name,
                                         by: caller, on: db)
        default:
            if rescheduled, appointment.status.isUpcoming {
                _ = try await actions.moveConfirmations(
                    ofAppointment: id, dueDate: Self.confirmationDue(start: appointment.startTime, now: clock.now),
                    by: caller.actor)
            }
        }
    }

    private func createConfirmation(for appointment: Appointment, customer: Customer, serviceName: String,
                                    by caller: AuthenticatedUser, on db: any Database) async throws {
        _ = try await ActionService(db: db, clock: clock).createAutomatic(AutomaticAction(
            customerID: appointment.customerID, type: .appointmentScheduled, title: "Confirm appointment",
            description: "Call to confirm the \(serviceName) appointment of \(clinicTime.format(appointment.startTime)).",
            priority: .medium, dueDate: Self.confirmationDue(start: appointment.startTime, now: clock.now),
            assignedTo: customer.assignedSalesID, createdBy: caller.id, relatedAppointmentID: appointment.id),
            by: caller.actor)
    }

    /// When the "Confirm appointment" call is due: 24 h before the start; when that has passed, the
    /// earlier of one hour from now and the start — never before it is created, never after the start.
    static func confirmationDue(start: Date, now: Date) -> Date {
        let dayBefore = start.addingTimeInterval(-86_400)
        if dayBefore >= now { return dayBefore }
        return max(now, min(now.addingTimeInterval(3600), start))
    }

    /// An appointment is completed or missed only once it has started.
    private static func checkStarted(_ status: AppointmentStatus, start: Date, now: Date) throws {
        guard status == .completed || status == .noShow, start > now else { return }
        throw APIError.conflict("The appointment has not started yet (it starts at \(Timestamp.format(start))); "
                                + "it cannot be \(status.rawValue) before then.", code: "appointment-not-started")
    }

    private static func checkEnd(_ end: Date, start: Date, _ errors: inout FieldErrors) {
        errors.check(end > start, "endTime", "must be after startTime")
        errors.check(end.timeIntervalSince(start) <= longestDuration, "endTime", "must be at most 24 hours after startTime")
    }

    /// 409 naming the other appointment when the customer already has a scheduled or confirmed one
    /// overlapping this one's time ([start, end), end = `endTime`, else the service's duration, else 30
    /// minutes). Runs under the customer's lock, so two bookings at once cannot both pass. The query
    /// decides every row with an `endTime` (it overlaps when it starts before this one ends and ends
    /// after it starts); a row without one is a candidate when it starts in the day before this one ends
    /// (no appointment lasts longer), and its end is its service's duration, known only per row: those
    /// few rows (latest first, on `idx_appointments_customer_start`) are checked here.
    func checkNoOverlap(_ appointment: Appointment, duration minutes: Int?, excluding id: UUID?) async throws {
        let start = appointment.startTime
        let end = appointment.endTime ?? start.addingTimeInterval(minutes.map { Double($0) * 60 } ?? Self.defaultDuration)
        let query = Appointment.query(on: db)
            .join(ServiceOffering.self, on: \Appointment.$serviceID == \ServiceOffering.$id)
            .filter(\.$customerID == appointment.customerID)
            .filter(\.$status ~~ AppointmentStatus.upcoming)
            .filter(\.$startTime < end)
            .filter(\.$startTime > start.addingTimeInterval(-Self.longestDuration))
            .group(.or) { or in
                or.filter(\.$endTime > start)
                or.filter(\.$endTime == nil)
            }
        if let id { query.filter(\.$id != id) }
        for other in try await query.sort(\.$startTime, .descending).limit(50).all() {
            let otherMinutes = try other.joined(ServiceOffering.self).durationMinutes
            let otherEnd = other.endTime
                ?? other.startTime.addingTimeInterval(otherMinutes.map { Double($0) * 60 } ?? Self.defaultDuration)
            if otherEnd > start {
                let otherID = other.id!.uuidString
                throw APIError(.conflict, code: "appointment-overlap",
                               detail: "The customer already has appointment \(otherID) at that time "
                                   + "(\(Timestamp.format(other.startTime))).",
                               errors: [FieldError(field: "startTime", message: "overlaps appointment \(otherID)")])
            }
        }
    }

    // MARK: Queries with names

    private func joined(_ query: QueryBuilder<Appointment>) -> QueryBuilder<Appointment> {
        query.join(ServiceOffering.self, on: \Appointment.$serviceID == \ServiceOffering.$id)
            .join(Clinic.self, on: \Appointment.$clinicID == \Clinic.$id)
    }

    private func views(_ query: QueryBuilder<Appointment>) async throws -> [AppointmentView] {
        try await query.all().map(Self.view)
    }

    private static func view(_ row: Appointment) throws -> AppointmentView {
        AppointmentView(appointment: row, serviceName: try row.joined(ServiceOffering.self).name,
                        clinicName: try row.joined(Clinic.self).name)
    }
}

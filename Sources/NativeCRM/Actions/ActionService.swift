import Fluent
import SQLKit
import Vapor

/// The task system: actions created by people and by other domains, their status and who sees them.
/// A salesperson sees and edits only actions assigned to or created by them; others see all.
struct ActionService: Sendable {
    let db: any Database
    let clock: CRMClock

    func create(_ input: Input<CreateActionRequest>, by caller: AuthenticatedUser) async throws -> SalesAction {
        var errors = input.problems
        let title = Self.checkTitle(input.title, &errors)
        errors.check(input.customerId != nil, "customerId", "is required")
        errors.maxLength(input.description, "description", TextLimits.notes)
        try errors.throwIfAny()
        let customer = try await CustomerService(db: db, clock: clock).require(input.customerId!, field: "customerId")
        if let appointmentID = input.relatedAppointmentId {
            let appointment = try await Appointment.find(appointmentID, on: db)
            guard appointment?.customerID == customer.id else {
                throw APIError.invalid("relatedAppointmentId", "no appointment of this customer has this id")
            }
        }
        if let leadID = input.relatedLeadId, try await Lead.find(leadID, on: db) == nil {
            throw APIError.invalid("relatedLeadId", "no lead has this id")
        }
        if let assignee = input.assignedTo { try await User.requireActive(assignee, field: "assignedTo", on: db) }

        let now = clock.now
        let action = SalesAction()
        action.customerID = customer.id
        action.actionType = input.actionType
        action.title = title
        action.details = ContactFields.trimmed(input.description)
        action.status = .pending
        action.setStatus(input.status ?? .pending, now: now)
        action.setPriority(input.priority ?? .medium)
        action.setDueDate(input.dueDate)
        action.relatedAppointmentID = input.relatedAppointmentId
        action.relatedLeadID = input.relatedLeadId
        action.metadata = input.metadata ?? JSONObject()
        action.assignedTo = input.assignedTo ?? (caller.role == .salesperson ? caller.id : customer.assignedSalesID)
        action.createdBy = caller.id
        action.createdAt = now
        action.updatedAt = now
        action.version = 1
        try await db.transaction { db in
            try await action.create(on: db)
            try await AuditLog(db: db, clock: clock, actor: caller.actor).created(action)
            try await ActionService(db: db, clock: clock).announce(action, created: true, completedBefore: false)
        }
        return action
    }

    /// One action, if the caller may see it (404 otherwise: its existence is not revealed).
    func find(_ id: UUID, visibleTo caller: AuthenticatedUser) async throws -> SalesAction {
        let query = SalesAction.query(on: db).filter(\.$id == id)
        if let scope = Self.visibility(for: caller) { query.filter(.sql(embed: scope)) }
        guard let action = try await query.first() else { throw APIError.notFound("Action") }
        return action
    }

    /// Partial update under optimistic concurrency; another salesperson's action is "not found".
    func update(_ id: UUID, _ input: Input<UpdateActionRequest>, expected: Int?, by caller: AuthenticatedUser) async throws
        -> SalesAction
    {
        var errors = input.problems
        let title = input.title.map { Self.checkTitle($0, &errors) }
        errors.maxLength(input.description.newValue, "description", TextLimits.notes)
        try errors.throwIfAny()
        if let assignee = input.assignedTo.newValue { try await User.requireActive(assignee, field: "assignedTo", on: db) }
        return try await db.transaction { db in
            var completedBefore = false
            let action = try await VersionedEdit(db: db, clock: clock, actor: caller.actor)
                .apply(SalesAction.self, id: id, expected: expected, scope: Self.visibility(for: caller),
                       notFound: "Action") { action in
                    completedBefore = action.status == .completed
                    let now = clock.now
                    if let type = input.actionType { action.actionType = type }
                    if let title { action.title = title }
                    if input.description.isPresent { action.details = ContactFields.trimmed(input.description.newValue) }
                    if let status = input.status { action.setStatus(status, now: now) }
                    if let priority = input.priority { action.setPriority(priority) }
                    if input.dueDate.isPresent { action.setDueDate(input.dueDate.newValue) }
                    if input.assignedTo.isPresent { action.assignedTo = input.assignedTo.newValue }
                    if let patch = input.metadata {
                        action.metadata = try action.metadata.mergedWithinLimits(patch, field: "metadata")
                    }
                }
            try await ActionService(db: db, clock: clock).announce(action, created: false, completedBefore: completedBefore)
            return action
        }
    }

    /// Due date first (none last), then urgent → low; keyset-paged.
    func list(_ filter: ActionFilter, page: PageRequest, visibleTo caller: AuthenticatedUser) async throws
        -> Page<SalesAction>
    {
        try await pageVisible(to: caller, page) {
            let query = SalesAction.query(on: db)
            if let status = filter.status { query.filter(\.$status == status) }
            if let priority = filter.priority { query.filter(\.$priority == priority) }
            if let customerID = filter.customerID { query.filter(\.$customerID == customerID) }
            if let assignee = filter.assignedTo { query.filter(\.$assignedTo == assignee) }
            if let before = filter.dueBefore { query.filter(\.$dueDate < before) }
            if let after = filter.dueAfter { query.filter(\.$dueDate >= after) }
            return query
        }
    }

    /// The caller's pending actions, in due order.
    func pending(for caller: AuthenticatedUser, page: PageRequest) async throws -> Page<SalesAction> {
        let query = SalesAction.query(on: db).filter(\.$assignedTo == caller.id).filter(\.$status == .pending)
        return try await pageInDueOrder(query, page)
    }

    /// A customer's actions the caller may see, in due order (for the record view).
    func forCustomer(_ customerID: UUID, visibleTo caller: AuthenticatedUser, limit: Int) async throws -> [SalesAction] {
        try await pageVisible(to: caller, PageRequest(limit: limit)) {
            SalesAction.query(on: db).filter(\.$customerID == customerID)
        }.items
    }

    /// The customer's actions the caller may see, by creation, newest first, after `position` (the
    /// customer timeline's rows; a customer has few, so the visibility OR filters the customer's rows).
    func timeline(customerID: UUID, visibleTo caller: AuthenticatedUser, rank: Int, after position: TimelinePosition?,
                  limit: Int) async throws -> [SalesAction] {
        let query = SalesAction.query(on: db).filter(\.$customerID == customerID)
        if let scope = Self.visibility(for: caller) { query.filter(.sql(embed: scope)) }
        return try await query.newestFirst(by: \.$createdAt, rank: rank, after: position, limit: limit).all()
    }

    /// Pages the actions `makeQuery` selects that the caller may see. A salesperson's "own" actions
    /// (assigned to them, or created by them for someone else) are read as two index-ordered pages
    /// and merged, instead of one OR that would sort their whole backlog.
    private func pageVisible(to caller: AuthenticatedUser, _ page: PageRequest,
                             _ makeQuery: () -> QueryBuilder<SalesAction>) async throws -> Page<SalesAction> {
        guard caller.role == .salesperson else { return try await pageInDueOrder(makeQuery(), page) }
        let assigned = try await pageInDueOrder(makeQuery().filter(\.$assignedTo == caller.id), page)
        let delegated = try await pageInDueOrder(makeQuery().filter(\.$createdBy == caller.id)
            .filter(.sql(unsafeRaw: Self.delegatedCondition)), page)
        let merged = (assigned.items + delegated.items
            + (assigned.next == nil ? [] : assigned.extra) + (delegated.next == nil ? [] : delegated.extra))
            .sorted { Self.dueOrder($0) < Self.dueOrder($1) }
        return Page(fetched: Array(merged.prefix(page.limit + 1)), limit: page.limit, cursor: Self.cursor)
    }

    /// An action its creator gave to someone else (or to no one); `idx_actions_delegated` holds exactly
    /// these rows, so the condition is written once, here.
    static let delegatedCondition = "(assigned_to IS NULL OR assigned_to <> created_by)"

    private static func dueOrder(_ action: SalesAction) -> DueOrderKey {
        DueOrderKey(due: action.sortDueAt, rank: action.priorityRank, id: action.id!.uuidString)
    }

    private struct DueOrderKey: Comparable {
        let due: Date
        let rank: Int
        let id: String

        static func < (a: DueOrderKey, b: DueOrderKey) -> Bool { (a.due, a.rank, a.id) < (b.due, b.rank, b.id) }
    }

    private static func cursor(_ action: SalesAction) -> Cursor {
        Cursor([Cursor.timestamp(action.sortDueAt), String(action.priorityRank), action.id!.uuidString])
    }

    // MARK: What an action's response names

    /// A page of actions with the customer each is about, loaded in one query for the whole page.
    func withCustomers(_ page: Page<SalesAction>) async throws -> Page<ActionView> {
        let customers = try await CustomerService(db: db, clock: clock).byID(page.items.compactMap(\.customerID))
        return page.map { ActionView(action: $0, customer: $0.customerID.flatMap { customers[$0] }) }
    }

    /// One action with its customer.
    func withCustomer(_ action: SalesAction) async throws -> ActionView {
        let customers = try await CustomerService(db: db, clock: clock).byID(action.customerID.map { [$0] } ?? [])
        return ActionView(action: action, customer: action.customerID.flatMap { customers[$0] })
    }

    // MARK: Actions other domains create

    func createAutomatic(_ spec: AutomaticAction, by actor: Actor) async throws -> SalesAction {
        let now = clock.now
        let action = SalesAction()
        action.customerID = spec.customerID
        action.actionType = spec.type
        action.title = spec.title
        action.details = spec.description
        action.status = .pending
        action.setPriority(spec.priority)
        action.setDueDate(spec.dueDate)
        action.relatedAppointmentID = spec.relatedAppointmentID
        action.metadata = JSONObject(["automatic": .bool(true)])
        action.assignedTo = spec.assignedTo
        action.createdBy = spec.createdBy
        action.createdAt = now
        action.updatedAt = now
        action.version = 1
        try await action.create(on: db)
        try await AuditLog(db: db, clock: clock, actor: actor).created(action)
        try await announce(action, created: true, completedBefore: false)
        return action
    }

    /// The webhook events of a saved action, in its transaction: `action.created` for a new one,
    /// `action.completed` when it has just become completed.
    func announce(_ action: SalesAction, created: Bool, completedBefore: Bool) async throws {
        let outbox = WebhookOutbox(db: db, clock: clock)
        let data = { [db, clock] () async throws -> ActionResponse in
            var customer: Customer?
            if let customerID = action.customerID { customer = try await Customer.find(customerID, on: db) }
            return ActionResponse(action, now: clock.now, customer: customer)
        }
        if created { try await outbox.record(.actionCreated, entity: "action", id: action.id!, data: data) }
        if action.status == .completed, !completedBefore {
            try await outbox.record(.actionCompleted, entity: "action", id: action.id!, data: data)
        }
    }

    /// Closes (completed or cancelled) the still-pending confirmation actions of an appointment.
    func settleConfirmations(ofAppointment appointmentID: UUID, as status: ActionStatus, by actor: Actor) async throws {
        try await editPendingConfirmations(ofAppointment: appointmentID, by: actor) { action, now in
            action.setStatus(status, now: now)
        }
    }

    /// Moves the pending confirmation of a rescheduled appointment; true when there was one.
    func moveConfirmations(ofAppointment appointmentID: UUID, dueDate: Date, by actor: Actor) async throws -> Bool {
        try await editPendingConfirmations(ofAppointment: appointmentID, by: actor) { action, _ in
            action.setDueDate(dueDate)
        } > 0
    }

    /// Edits an appointment's pending confirmations (one per appointment, so few rows), each versioned
    /// and audited like a person's edit; their versions are claimed first, as a person's edit would.
    private func editPendingConfirmations(ofAppointment appointmentID: UUID, by actor: Actor,
                                          _ change: (SalesAction, Date) -> Void) async throws -> Int {
        let claimed = try await VersionGate(db: db).claimAll(SalesAction.schema, where: """
            related_appointment_id = \(bind: appointmentID)
              AND action_type = \(bind: ActionType.appointmentScheduled.rawValue) AND status = \(bind: ActionStatus.pending.rawValue)
            """)
        guard !claimed.isEmpty else { return 0 }
        let pending = try await SalesAction.query(on: db).filter(\.$id ~~ Array(claimed.keys)).all()
        let audit = AuditLog(db: db, clock: clock, actor: actor)
        for action in pending {
            let before = action.auditFields
            change(action, clock.now)
            action.version = claimed[action.id!] ?? action.version
            action.updatedAt = clock.now
            try await action.save(on: db)
            try await audit.updated(action, before: before)
            try await announce(action, created: false, completedBefore: false)
        }
        return pending.count
    }

    // MARK: Helpers

    /// A salesperson's own actions: assigned to them or created by them; nil (everything) for others.
    /// Reads (`find`) and edits (the version claim) use this one condition.
    /// The audit timeline scopes action entries with it too.
    static func visibility(for caller: AuthenticatedUser) -> SQLQueryString? {
        caller.role == .salesperson ? "(assigned_to = \(bind: caller.id) OR created_by = \(bind: caller.id))" : nil
    }

    /// Keyset paging on (sort_due_at, priority_rank, id). The page keeps the row past the limit
    /// (`extra`) so two pages can be merged without losing their next row.
    private func pageInDueOrder(_ query: QueryBuilder<SalesAction>, _ page: PageRequest) async throws
        -> Page<SalesAction>
    {
        if let cursor = page.cursor {
            query.after(.ascending, KeysetValue(\.$sortDueAt, try cursor.date(at: 0)),
                        KeysetValue(\.$priorityRank, Int(try cursor.int(at: 1))), KeysetValue(\.$id, try cursor.uuid(at: 2)))
        }
        let rows = try await query.sort(\.$sortDueAt, .ascending).sort(\.$priorityRank, .ascending)
            .sort(\.$id, .ascending).limit(page.limit + 1).all()
        var result = Page(fetched: rows, limit: page.limit, cursor: Self.cursor)
        result.extra = rows.count > page.limit ? [rows[page.limit]] : []
        return result
    }

    private static func checkTitle(_ raw: String, _ errors: inout FieldErrors) -> String {
        errors.requiredText(raw, "title", max: TextLimits.title)
    }
}

import Fluent
import Vapor

/// Leads: capture, assignment (SPEC), claiming, search, conversion into customers.
struct LeadService: Sendable {
    let db: any Database
    let clock: CRMClock
    let events: any ActivityEvents

    func create(_ input: Input<CreateLeadRequest>, by caller: AuthenticatedUser) async throws -> Lead {
        let contact = try Self.check(input, by: caller)
        if let salesID = input.assignedSalesId {
            try await User.requireActive(salesID, role: .salesperson, field: "assignedSalesId", on: db)
        }

        let lead = newLead(source: input.source, contact: contact, notes: input.notes,
                           estimatedValue: input.estimatedValue, metadata: input.metadata, by: caller.actor)
        lead.setStatus(input.status ?? .new, now: lead.createdAt)
        try await db.transaction { db in
            let assignee = caller.role == .salesperson ? caller.id : input.assignedSalesId
            try await save(lead, assignedTo: assignee, by: caller.actor, on: db)
        }
        return lead
    }

    /// A new lead's fields checked by the rules of `POST /crm/leads` (every bad field in one 400), without
    /// reading the database: the salesperson named must still be checked with `User.requireActive`. The CSV
    /// import checks each row with this too.
    static func check(_ input: Input<CreateLeadRequest>, by caller: AuthenticatedUser) throws -> Contact {
        var errors = input.problems
        let contact = checkContact(firstName: input.firstName, lastName: input.lastName,
                                   email: input.email, phone: input.phone, &errors)
        errors.check(ContactFields.trimmed(input.email) != nil || ContactFields.trimmed(input.phone) != nil, "email",
                     "a lead needs an email or a phone number")
        if let status = input.status {
            errors.check(LeadStatus.open.contains(status), "status", "a new lead must be new, contacted or qualified")
        }
        errors.maxLength(input.notes, "notes", TextLimits.notes)
        if input.assignedSalesId != nil, caller.role == .salesperson {
            errors.check(input.assignedSalesId == caller.id, "assignedSalesId", "a salesperson's lead is their own")
        }
        try errors.throwIfAny()
        return contact
    }

    /// The longest `externalId` a sender may give.
    static let externalIDLength = 200

    /// A lead that arrived by itself (the website's form, Meta, Google), already checked by its channel.
    /// Idempotent on `(source, externalId)`: a repeated delivery answers the first lead (`created` false),
    /// also when two deliveries race. A lead whose email or phone is a customer's is linked to that
    /// customer (`matchedCustomerId`) and goes to their salesperson; otherwise to the least-loaded one.
    /// `actor` is the API key it came with, or the system for a platform's signed webhook.
    func receive(_ delivery: LeadDelivery, by actor: Actor) async throws -> (lead: Lead, created: Bool) {
        if let externalID = delivery.externalID, let existing = try await find(source: delivery.source, externalID: externalID) {
            return (existing, false)
        }
        let lead = newLead(source: delivery.source, contact: delivery.contact, notes: delivery.notes,
                           estimatedValue: delivery.estimatedValue, metadata: delivery.metadata, by: actor)
        lead.externalID = delivery.externalID
        lead.attribution = delivery.attribution
        lead.isTest = delivery.isTest
        var assignee: UUID?
        if let customer = try await CustomerService(db: db, clock: clock)
            .findMatching(email: lead.email, phone: lead.phone) {
            lead.matchedCustomerID = customer.id
            if let salesID = customer.assignedSalesID,
               (try? await User.requireActive(salesID, role: .salesperson, field: "assignedSalesId", on: db)) != nil {
                assignee = salesID
            }
        }
        let owner = assignee
        do {
            // A platform's test lead is kept for the record, not worked: nobody gets it.
            try await db.transaction { db in
                try await save(lead, assignedTo: owner, automatically: !delivery.isTest, by: actor, on: db)
            }
        } catch where ConstraintViolation(error)?.isUnique(index: "idx_leads_source_external", Lead.schema,
                                                           "source", "external_id") == true {
            guard let externalID = delivery.externalID,
                  let existing = try await find(source: delivery.source, externalID: externalID) else { throw error }
            return (existing, false)
        }
        return (lead, true)
    }

    private func find(source: LeadSource, externalID: String) async throws -> Lead? {
        try await Lead.query(on: db).filter(\.$source == source).filter(\.$externalID == externalID).first()
    }

    private func newLead(source: LeadSource, contact: Contact, notes: String?, estimatedValue: Money?,
                         metadata: JSONObject?, by actor: Actor) -> Lead {
        let now = clock.now
        let lead = Lead()
        lead.source = source
        lead.firstName = contact.firstName
        lead.lastName = contact.lastName
        lead.email = contact.email
        lead.phone = contact.phone
        lead.notes = ContactFields.trimmed(notes)
        lead.estimatedValueCents = estimatedValue?.cents
        lead.metadata = metadata ?? JSONObject()
        lead.attribution = [:]
        lead.isTest = false
        lead.createdBy = actor.userID
        lead.createdAt = now
        lead.updatedAt = now
        lead.status = .new
        lead.version = 1
        lead.refreshSearchText()
        return lead
    }

    /// Saves a new lead with `assignee`, or (`automatically`) the least-loaded salesperson when nil, and
    /// audits it.
    private func save(_ lead: Lead, assignedTo assignee: UUID?, automatically: Bool = true, by actor: Actor,
                      on db: any Database) async throws
    {
        let assigner = LeadAssigner(db: db, clock: clock, events: events)
        var assignee = assignee
        if assignee == nil, automatically {
            try await assigner.serialize()
            assignee = try await assigner.leastLoadedSalesperson()
        }
        try await assigner.save(lead, assignedTo: assignee)
        try await AuditLog(db: db, clock: clock, actor: actor).created(lead)
    }

    func find(_ id: UUID) async throws -> Lead {
        guard let lead = try await Lead.find(id, on: db) else { throw APIError.notFound("Lead") }
        return lead
    }

    /// Newest first, keyset-paged; `search` matches name, email or phone ignoring case.
    func list(_ filter: LeadFilter, page: PageRequest) async throws -> Page<Lead> {
        let query = Lead.query(on: db)
        if let status = filter.status { query.filter(\.$status == status) }
        if let salesID = filter.assignedSalesID { query.filter(\.$assignedSalesID == salesID) }
        if let source = filter.source { query.filter(\.$source == source) }
        if let search = ContactFields.trimmed(filter.search) {
            query.filter(.sql(ContactSearch(table: Lead.schema, text: search)))
        }
        return try await query.page(newestFirstBy: \.$createdAt, page) { $0.createdAt }
    }

    /// Partial update. A salesperson may change only leads assigned to them or unassigned, and may
    /// only claim (assign to themselves); the front desk and managers change and assign any lead.
    /// Under optimistic concurrency (`expected` is the client's `If-Match`).
    func update(_ id: UUID, _ input: Input<UpdateLeadRequest>, expected: Int?, by caller: AuthenticatedUser) async throws -> Lead {
        // Each given field must be valid on its own before any version is claimed (400 before 412).
        var fieldErrors = input.problems
        _ = Self.checkContact(firstName: input.firstName ?? "placeholder", lastName: input.lastName.newValue,
                              email: input.email.newValue, phone: input.phone.newValue, &fieldErrors)
        fieldErrors.maxLength(input.lostReason.newValue, "lostReason", TextLimits.lostReason)
        fieldErrors.maxLength(input.notes.newValue, "notes", TextLimits.notes)
        try fieldErrors.throwIfAny()
        return try await db.transaction { db in
            var assignee: UUID?
            var converted = false
            let lead = try await VersionedEdit(db: db, clock: clock, actor: caller.actor)
                .apply(Lead.self, id: id, expected: expected, notFound: "Lead",
                       save: { lead in try await LeadAssigner(db: db, clock: clock, events: events).save(lead, assignedTo: assignee) }) { lead in
                    if caller.role == .salesperson {
                        guard lead.assignedSalesID == nil || lead.assignedSalesID == caller.id else {
                            throw APIError(.forbidden, code: "forbidden", detail: "This lead belongs to another salesperson.")
                        }
                        if let target = input.assignedSalesId.newValue, target != caller.id {
                            throw APIError(.forbidden, code: "forbidden", detail: "A salesperson may only claim a lead.")
                        }
                        if case .null = input.assignedSalesId, lead.assignedSalesID != nil {
                            throw APIError(.forbidden, code: "forbidden", detail: "Only the front desk or a manager unassigns leads.")
                        }
                    }
                    var errors = FieldErrors()
                    let contact = Self.checkContact(
                        firstName: input.firstName ?? lead.firstName, lastName: input.lastName.applied(to: lead.lastName),
                        email: input.email.applied(to: lead.email), phone: input.phone.applied(to: lead.phone), &errors)
                    errors.check(ContactFields.trimmed(input.email.applied(to: lead.email)) != nil
                                    || ContactFields.trimmed(input.phone.applied(to: lead.phone)) != nil,
                                 "email", "a lead needs an email or a phone number")
                    try errors.throwIfAny()
                    if lead.status == .converted, let status = input.status, status != .converted {
                        throw APIError.conflict("A converted lead stays converted.", code: "lead-converted")
                    }
                    if let salesID = input.assignedSalesId.newValue, salesID != lead.assignedSalesID {
                        try await User.requireActive(salesID, role: .salesperson, field: "assignedSalesId", on: db)
                    }

                    let now = clock.now
                    lead.firstName = contact.firstName
                    lead.lastName = contact.lastName
                    lead.email = contact.email
                    lead.phone = contact.phone
                    lead.refreshSearchText()
                    if let source = input.source { lead.source = source }
                    if input.notes.isPresent { lead.notes = ContactFields.trimmed(input.notes.newValue) }
                    if input.estimatedValue.isPresent { lead.estimatedValueCents = input.estimatedValue.newValue?.cents }
                    if let patch = input.metadata { lead.metadata = try lead.metadata.mergedWithinLimits(patch, field: "metadata") }
                    if let status = input.status, status != lead.status { lead.setStatus(status, now: now) }
                    if lead.status == .lost, input.lostReason.isPresent {
                        lead.lostReason = ContactFields.trimmed(input.lostReason.newValue)
                    }
                    assignee = input.assignedSalesId.isPresent ? input.assignedSalesId.newValue : lead.assignedSalesID
                    if lead.status == .converted, lead.convertedCustomerID == nil {
                        try await convert(lead, salesID: assignee, by: caller.actor, on: db)
                        converted = true
                    }
                }
            if converted {
                try await WebhookOutbox(db: db, clock: clock).record(.leadConverted, entity: "lead", id: id) { LeadResponse(lead) }
            }
            return lead
        }
    }

    /// Links the lead to the customer with the same email or phone, or creates that customer
    /// (and its record, assigned to `salesID`: the lead's salesperson after this edit) — in the caller's
    /// transaction. Runs once per lead.
    private func convert(_ lead: Lead, salesID: UUID?, by actor: Actor, on db: any Database) async throws {
        let customers = CustomerService(db: db, clock: clock)
        let customer: Customer
        if let existing = try await customers.findMatching(email: lead.email, phone: lead.phone) {
            customer = existing
        } else {
            customer = try await customers.insert(
                firstName: lead.firstName, lastName: lead.lastName ?? "", email: lead.email, phone: lead.phone,
                dateOfBirth: nil, assignedSalesID: salesID, by: actor)
        }
        lead.convertedCustomerID = customer.id
        lead.convertedAt = clock.now
    }

    struct Contact: Sendable {
        var firstName: String
        var lastName: String?
        var email: String?
        var phone: String?
    }

    static func checkContact(firstName: String, lastName: String?, email: String?, phone: String?,
                                     _ errors: inout FieldErrors) -> Contact {
        let first = errors.requiredText(firstName, "firstName", max: TextLimits.name)
        let last = ContactFields.trimmed(lastName)
        errors.maxLength(last, "lastName", TextLimits.name)
        let normalizedEmail = ContactFields.checkEmail(email, into: &errors)
        let normalizedPhone = ContactFields.checkPhone(phone, into: &errors)
        return Contact(firstName: first, lastName: last, email: normalizedEmail, phone: normalizedPhone)
    }
}

/// A lead as an intake channel hands it over, checked: who, what they wrote, the sender's id for it
/// and where it came from.
struct LeadDelivery: Sendable {
    var source: LeadSource
    var contact: LeadService.Contact
    var notes: String?
    var estimatedValue: Money?
    var metadata: JSONObject?
    var externalID: String?
    var attribution: [String: String]
    var isTest = false
}

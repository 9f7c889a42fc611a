import Fluent
import SQLKit
import Vapor

/// Customers: creation (with their record, in one transaction), lookup, search and edits.
struct CustomerService: Sendable {
    let db: any Database
    let clock: CRMClock

    /// Creates the customer and its record (status `new`) atomically, and names the other customers with
    /// the same email or phone (created anyway: families share a phone).
    func create(_ input: Input<CreateCustomerRequest>, by caller: AuthenticatedUser) async throws
        -> (customer: Customer, possibleDuplicates: [UUID])
    {
        var errors = input.problems
        let firstName = Self.checkName(input.firstName, "firstName", &errors)
        let lastName = Self.checkName(input.lastName, "lastName", &errors)
        let email = ContactFields.checkEmail(input.email, into: &errors)
        let phone = ContactFields.checkPhone(input.phone, into: &errors)
        try Self.checkBirthDate(input.dateOfBirth, now: clock.now, &errors)
        try errors.throwIfAny()
        let salesID = input.assignedSalesId ?? (caller.role == .salesperson ? caller.id : nil)
        if let salesID { try await User.requireActive(salesID, role: .salesperson, field: "assignedSalesId", on: db) }

        let customer = try await insert(firstName: firstName, lastName: lastName, email: email, phone: phone,
                                        dateOfBirth: input.dateOfBirth, assignedSalesID: salesID, by: caller.actor)
        return (customer, try await possibleDuplicates(of: customer))
    }

    /// Inserts a validated customer and its record (status `new`) atomically; also used by lead conversion.
    func insert(firstName: String, lastName: String, email: String?, phone: String?, dateOfBirth: CalendarDate?,
                assignedSalesID: UUID?, by actor: Actor) async throws -> Customer {
        let now = clock.now
        let customer = Customer()
        customer.firstName = firstName
        customer.lastName = lastName
        customer.email = email
        customer.phone = phone
        customer.dateOfBirth = dateOfBirth?.description
        customer.assignedSalesID = assignedSalesID
        customer.createdAt = now
        customer.updatedAt = now
        customer.version = 1
        customer.refreshSearchText()
        try await db.transaction { db in
            try await customer.create(on: db)
            let record = CustomerRecord(customerID: customer.id!, assignedSalesID: assignedSalesID, now: now)
            try await record.create(on: db)
            let audit = AuditLog(db: db, clock: clock, actor: actor)
            try await audit.created(customer)
            try await audit.created(record)
        }
        return customer
    }

    static let duplicateLimit = 20

    /// Other customers with the same email or phone as `customer` (oldest first, at most 20): a new
    /// customer is created anyway (families share a phone) but the front desk is told
    /// (`possibleDuplicates`). Served by `idx_customers_email` and `idx_customers_phone`.
    private func possibleDuplicates(of customer: Customer) async throws -> [UUID] {
        guard customer.email != nil || customer.phone != nil else { return [] }
        return try await Customer.query(on: db)
            .filter(\.$id != customer.id!)
            .group(.or) { or in
                if let email = customer.email { or.filter(\.$email == email) }
                if let phone = customer.phone { or.filter(\.$phone == phone) }
            }
            .sort(\.$createdAt).sort(\.$id).limit(Self.duplicateLimit).all().map { $0.id! }
    }

    /// Customers by id, in one query (the names next to a page of actions).
    func byID(_ ids: [UUID]) async throws -> [UUID: Customer] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await Customer.query(on: db).filter(\.$id ~~ Array(Set(ids))).all()
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.id!, $0) })
    }

    /// The oldest customer with this (normalised) email, else with this phone: how a converted lead
    /// finds the customer it already is.
    func findMatching(email: String?, phone: String?) async throws -> Customer? {
        if let email, let match = try await Customer.query(on: db).filter(\.$email == email)
            .sort(\.$createdAt).sort(\.$id).first() {
            return match
        }
        if let phone {
            return try await Customer.query(on: db).filter(\.$phone == phone).sort(\.$createdAt).sort(\.$id).first()
        }
        return nil
    }

    func find(_ id: UUID) async throws -> Customer {
        guard let customer = try await Customer.find(id, on: db) else { throw APIError.notFound("Customer") }
        return customer
    }

    /// The customer named in a request body; a 400 naming `field` when there is none.
    func require(_ id: UUID, field: String) async throws -> Customer {
        guard let customer = try await Customer.find(id, on: db) else {
            throw APIError.invalid(field, "no customer has this id")
        }
        return customer
    }

    /// Newest first, keyset-paged; filters run in SQL on indexed columns.
    func list(_ filter: CustomerFilter, page: PageRequest) async throws -> Page<Customer> {
        let query = Customer.query(on: db)
        if let search = ContactFields.trimmed(filter.search) {
            query.filter(.sql(ContactSearch(table: Customer.schema, text: search)))
        }
        if let salesID = filter.assignedSalesID { query.filter(\.$assignedSalesID == salesID) }
        if let tagID = filter.tagID {
            query.filter(.sql(CustomerTagFilter(tagID: tagID)))
        }
        if let status = filter.status {
            query.join(CustomerRecord.self, on: \Customer.$id == \CustomerRecord.$customerID)
                .filter(CustomerRecord.self, \.$customerStatus == status)
        }
        return try await query.page(newestFirstBy: \.$createdAt, page) { $0.createdAt }
    }

    /// Partial update under optimistic concurrency (`expected` is the client's `If-Match`).
    func update(_ id: UUID, _ input: Input<UpdateCustomerRequest>, expected: Int?, by caller: AuthenticatedUser) async throws
        -> Customer
    {
        var errors = input.problems
        let firstName = input.firstName.map { Self.checkName($0, "firstName", &errors) }
        let lastName = input.lastName.map { Self.checkName($0, "lastName", &errors) }
        let email = input.email.newValue.map { ContactFields.checkEmail($0, into: &errors) }
        let phone = input.phone.newValue.map { ContactFields.checkPhone($0, into: &errors) }
        try Self.checkBirthDate(input.dateOfBirth.newValue, now: clock.now, &errors)
        try errors.throwIfAny()

        return try await db.transaction { db in
            let tx = CustomerService(db: db, clock: clock)
            var salesBefore: UUID?
            var fieldsBefore: [String: JSONValue] = [:]
            let customer = try await VersionedEdit(db: db, clock: clock, actor: caller.actor)
                .apply(Customer.self, id: id, expected: expected, notFound: "Customer") { customer in
                    // RowLock.customer's order: the customer (just claimed), then its record, then its other rows.
                    try await RowLock(db: db).lock(CustomerRecord.schema, keyColumn: "customer_id", id: id)
                    salesBefore = customer.assignedSalesID
                    fieldsBefore = customer.auditFields
                    if input.assignedSalesId.isPresent {
                        let target = input.assignedSalesId.newValue
                        if target != customer.assignedSalesID {
                            // Front desk and managers assign freely; a salesperson may only take an unassigned customer.
                            let claiming = caller.role == .salesperson && customer.assignedSalesID == nil && target == caller.id
                            guard caller.role != .salesperson || claiming else { throw APIError.forbidden }
                            if let target {
                                try await User.requireActive(target, role: .salesperson, field: "assignedSalesId", on: db)
                            }
                            customer.assignedSalesID = target
                        }
                    }
                    if let firstName { customer.firstName = firstName }
                    if let lastName { customer.lastName = lastName }
                    if input.email.isPresent { customer.email = email ?? nil }
                    if input.phone.isPresent { customer.phone = phone ?? nil }
                    if input.dateOfBirth.isPresent { customer.dateOfBirth = input.dateOfBirth.newValue?.description }
                    customer.refreshSearchText()
                }
            if customer.assignedSalesID != salesBefore {
                // The copies that let lists and analytics find a salesperson's customers by index.
                try await CustomerRecord.query(on: db).filter(\.$customerID == id)
                    .set(\.$assignedSalesID, to: customer.assignedSalesID).update()
                try await AppointmentService(db: db, clock: clock)
                    .setSalesperson(ofCustomer: id, to: customer.assignedSalesID)
            }
            if customer.auditFields != fieldsBefore {
                try await WebhookOutbox(db: db, clock: clock).record(.customerUpdated, entity: "customer", id: id) {
                    CustomerResponse(customer)
                }
            }
            return customer
        }
    }

    private static func checkName(_ raw: String, _ field: String, _ errors: inout FieldErrors) -> String {
        errors.requiredText(raw, field, max: TextLimits.name)
    }

    private static func checkBirthDate(_ date: CalendarDate?, now: Date, _ errors: inout FieldErrors) throws {
        guard let date else { return }
        errors.check(date <= CalendarDate(containing: now) && date.year >= 1900, "dateOfBirth",
                     "must be a past date after 1900")
    }
}

/// `customers.id IN (SELECT customer_id FROM customer_tags WHERE tag_id = ?)`, served by the
/// attachments' (tag_id, created_at, id) index.
struct CustomerTagFilter: SQLExpression {
    let tagID: UUID

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write("\(Customer.schema).id IN (SELECT customer_id FROM customer_tags WHERE tag_id = ")
        SQLBind(tagID).serialize(to: &serializer)
        serializer.write(")")
    }
}

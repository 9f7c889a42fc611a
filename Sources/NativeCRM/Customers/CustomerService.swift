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
        let new = try Self.check(input, by: caller, now: clock.now)
        if let salesID = new.assignedSalesID {
            try await User.requireActive(salesID, role: .salesperson, field: "assignedSalesId", on: db)
        }
        let customer = try await insert(firstName: new.firstName, lastName: new.lastName, email: new.email, phone: new.phone,
                                        dateOfBirth: new.dateOfBirth, assignedSalesID: new.assignedSalesID, by: caller.actor)
        return (customer, try await possibleDuplicates(of: customer))
    }

    /// A new customer's fields checked by the rules of `POST /crm/customers` (every bad field in one 400),
    /// without reading the database: the salesperson named must still be checked with `User.requireActive`.
    /// The CSV import checks each row with this too.
    static func check(_ input: Input<CreateCustomerRequest>, by caller: AuthenticatedUser, now: Date) throws -> NewCustomer {
        var errors = input.problems
        let firstName = checkName(input.firstName, "firstName", &errors)
        let lastName = checkName(input.lastName, "lastName", &errors)
        let email = ContactFields.checkEmail(input.email, into: &errors)
        let phone = ContactFields.checkPhone(input.phone, into: &errors)
        try checkBirthDate(input.dateOfBirth, now: now, &errors)
        try errors.throwIfAny()
        return NewCustomer(firstName: firstName, lastName: lastName, email: email, phone: phone, dateOfBirth: input.dateOfBirth,
                           assignedSalesID: input.assignedSalesId ?? (caller.role == .salesperson ? caller.id : nil))
    }

    /// Inserts a validated customer and its record (status `new`) atomically; also used by lead conversion.
    func insert(firstName: String, lastName: String, email: String?, phone: String?, dateOfBirth: CalendarDate?,
                assignedSalesID: UUID?, by actor: Actor) async throws -> Customer {
        let new = NewCustomer(firstName: firstName, lastName: lastName, email: email, phone: phone,
                              dateOfBirth: dateOfBirth, assignedSalesID: assignedSalesID)
        return try await insert([(UUID(), new)], by: actor)[0]
    }

    /// Inserts checked customers with the given ids and their records (status `new`), audited, in one
    /// transaction and a few multi-row statements (the CSV import's batches).
    @discardableResult
    func insert(_ batch: [(id: UUID, customer: NewCustomer)], by actor: Actor) async throws -> [Customer] {
        let now = clock.now
        let customers = batch.map { id, new in
            let customer = Customer()
            customer.id = id
            customer.firstName = new.firstName
            customer.lastName = new.lastName
            customer.email = new.email
            customer.phone = new.phone
            customer.dateOfBirth = new.dateOfBirth?.description
            customer.assignedSalesID = new.assignedSalesID
            customer.createdAt = now
            customer.updatedAt = now
            customer.version = 1
            customer.refreshSearchText()
            return customer
        }
        guard !customers.isEmpty else { return [] }
        let records = customers.map { CustomerRecord(customerID: $0.id!, assignedSalesID: $0.assignedSalesID, now: now) }
        try await db.transaction { db in
            try await customers.create(on: db)
            try await records.create(on: db)
            let audit = AuditLog(db: db, clock: clock, actor: actor)
            try await audit.created(customers)
            try await audit.created(records)
        }
        return customers
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

/// A new customer's checked fields (`CustomerService.check`).
struct NewCustomer: Sendable {
    var firstName: String
    var lastName: String
    var email: String?
    var phone: String?
    var dateOfBirth: CalendarDate?
    var assignedSalesID: UUID?
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

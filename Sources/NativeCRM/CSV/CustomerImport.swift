import Fluent
import Foundation

/// `POST /crm/imports/customers`: each row is a `POST /crm/customers` body; a row that is a stored
/// customer fills that customer's empty email, phone, date of birth or salesperson
/// (`PATCH /crm/customers/:id`), never overwriting what the CRM has.
struct CustomerImport: ImportTarget {
    let db: any Database
    let clock: CRMClock
    let caller: AuthenticatedUser

    var kind: String { "customers" }

    static let columns: [ImportColumn] = [
        ImportColumn(field: "firstName", aliases: ["First Name", "Given Name", "Forename", "First"], required: true),
        ImportColumn(field: "lastName", aliases: ["Last Name", "Surname", "Family Name", "Last"], required: true),
        ImportColumn(field: "email", aliases: ["E-mail", "Email Address", "E-mail Address", "Mail"]),
        ImportColumn(field: "phone", aliases: ["Mobile", "Phone Number", "Mobile Phone", "Mobile Number", "Cell",
                                               "Cell Phone", "Telephone", "Tel"]),
        ImportColumn(field: "dateOfBirth", aliases: ["Date of Birth", "Birth Date", "Birthdate", "Birthday", "DOB"]),
        ImportColumn(field: "assignedSalesId", aliases: ["Salesperson Id", "Assigned Sales Id"]),
    ]
    var columns: [ImportColumn] { Self.columns }

    /// The fields a matched customer may get from a row, when it has none.
    static let fillable = ["email", "phone", "dateOfBirth", "assignedSalesId"]

    func check(_ body: JSONValue) throws -> NewCustomer {
        try CustomerService.check(try InputDecoder.decode(CreateCustomerRequest.self, fromValue: body), by: caller, now: clock.now)
    }

    func salesID(of row: NewCustomer) -> UUID? { row.assignedSalesID }
    func contact(of row: NewCustomer) -> (email: String?, phone: String?) { (row.email, row.phone) }

    /// Served by `idx_customers_email` and `idx_customers_phone`.
    func existing(emails: [String], phones: [String], on db: any Database) async throws -> [Customer] {
        try await Customer.query(on: db).group(.or) { or in
            if !emails.isEmpty { or.filter(\.$email ~~ emails) }
            if !phones.isEmpty { or.filter(\.$phone ~~ phones) }
        }.sort(\.$createdAt).sort(\.$id).all()
    }

    func contact(of record: Customer) -> (id: UUID, email: String?, phone: String?) { (record.id!, record.email, record.phone) }

    func fill(_ record: Customer, from row: NewCustomer) -> [String: JSONValue] {
        var patch: [String: JSONValue] = [:]
        if record.email == nil, let email = row.email { patch["email"] = .string(email) }
        if record.phone == nil, let phone = row.phone { patch["phone"] = .string(phone) }
        if record.dateOfBirth == nil, let date = row.dateOfBirth { patch["dateOfBirth"] = .string(date.description) }
        if record.assignedSalesID == nil, let salesID = row.assignedSalesID { patch["assignedSalesId"] = .string(salesID.uuidString) }
        return patch
    }

    func create(_ rows: [NewCustomer], on db: any Database) async throws -> [UUID] {
        let batch = rows.map { (id: UUID(), customer: $0) }
        try await CustomerService(db: db, clock: clock).insert(batch, by: caller.actor)
        return batch.map(\.id)
    }

    func update(_ id: UUID, _ patch: [String: JSONValue], on db: any Database) async throws {
        let input = try InputDecoder.decode(UpdateCustomerRequest.self, fromValue: .object(patch))
        _ = try await CustomerService(db: db, clock: clock).update(id, input, expected: nil, by: caller)
    }
}

import Fluent
import Foundation

/// `POST /crm/imports/leads`: each row is a `POST /crm/leads` body (assigned and announced as one typed
/// in); a row that is a stored lead fills that lead's empty last name, email, phone, notes or estimated
/// value (`PATCH /crm/leads/:id`), never its status or salesperson.
struct LeadImport: ImportTarget {
    let db: any Database
    let clock: CRMClock
    let events: any ActivityEvents
    let caller: AuthenticatedUser
    /// `?source=`: the source of rows without a `source` cell.
    let source: LeadSource?

    var kind: String { "leads" }

    static let columns: [ImportColumn] = [
        ImportColumn(field: "source", aliases: ["Lead Source", "Channel"], required: true),
        ImportColumn(field: "firstName", aliases: ["First Name", "Given Name", "Forename", "First"], required: true),
        ImportColumn(field: "lastName", aliases: ["Last Name", "Surname", "Family Name", "Last"]),
        ImportColumn(field: "email", aliases: ["E-mail", "Email Address", "E-mail Address", "Mail"]),
        ImportColumn(field: "phone", aliases: ["Mobile", "Phone Number", "Mobile Phone", "Mobile Number", "Cell",
                                               "Cell Phone", "Telephone", "Tel"]),
        ImportColumn(field: "status", aliases: ["Lead Status"]),
        ImportColumn(field: "notes", aliases: ["Note", "Comments", "Comment"]),
        ImportColumn(field: "estimatedValue", aliases: ["Estimated Value", "Value", "Deal Value"], number: true),
        ImportColumn(field: "assignedSalesId", aliases: ["Salesperson Id", "Assigned Sales Id"]),
    ]
    var columns: [ImportColumn] { Self.columns }
    var defaults: [String: JSONValue] { source.map { ["source": .string($0.rawValue)] } ?? [:] }

    /// The fields a matched lead may get from a row, when it has none.
    static let fillable = ["lastName", "email", "phone", "notes", "estimatedValue"]

    struct Row: Sendable {
        let input: Input<CreateLeadRequest>
        let contact: LeadService.Contact
    }

    func check(_ body: JSONValue) throws -> Row {
        let input = try InputDecoder.decode(CreateLeadRequest.self, fromValue: body)
        return Row(input: input, contact: try LeadService.check(input, by: caller))
    }

    func salesID(of row: Row) -> UUID? { row.input.assignedSalesId }
    func contact(of row: Row) -> (email: String?, phone: String?) { (row.contact.email, row.contact.phone) }

    /// Served by `idx_leads_email` and `idx_leads_phone`.
    func existing(emails: [String], phones: [String], on db: any Database) async throws -> [Lead] {
        try await Lead.query(on: db).group(.or) { or in
            if !emails.isEmpty { or.filter(\.$email ~~ emails) }
            if !phones.isEmpty { or.filter(\.$phone ~~ phones) }
        }.sort(\.$createdAt).sort(\.$id).all()
    }

    func contact(of record: Lead) -> (id: UUID, email: String?, phone: String?) { (record.id!, record.email, record.phone) }

    func fill(_ record: Lead, from row: Row) -> [String: JSONValue] {
        var patch: [String: JSONValue] = [:]
        if record.lastName == nil, let last = row.contact.lastName { patch["lastName"] = .string(last) }
        if record.email == nil, let email = row.contact.email { patch["email"] = .string(email) }
        if record.phone == nil, let phone = row.contact.phone { patch["phone"] = .string(phone) }
        if record.notes == nil, let notes = ContactFields.trimmed(row.input.notes) { patch["notes"] = .string(notes) }
        if record.estimatedValueCents == nil, let value = row.input.estimatedValue {
            patch["estimatedValue"] = .number(Decimal(value.cents) / 100)
        }
        return patch
    }

    func create(_ rows: [Row], on db: any Database) async throws -> [UUID] {
        let leads = LeadService(db: db, clock: clock, events: events)
        var ids: [UUID] = []
        for row in rows { ids.append(try await leads.create(row.input, by: caller).id!) }
        return ids
    }

    func update(_ id: UUID, _ patch: [String: JSONValue], on db: any Database) async throws {
        let input = try InputDecoder.decode(UpdateLeadRequest.self, fromValue: .object(patch))
        _ = try await LeadService(db: db, clock: clock, events: events).update(id, input, expected: nil, by: caller)
    }
}

import Fluent
import Foundation

/// What a CSV import of one kind of record needs from that record's domain. Every rule stays in the
/// domain's service: a row is checked by the JSON create endpoint's checks, stored by its service, and a
/// record it matches is filled in by the update endpoint's service method.
protocol ImportTarget: Sendable {
    /// A row that passed the create endpoint's checks.
    associatedtype Checked: Sendable
    /// A stored record a row may be.
    associatedtype Existing: Sendable

    /// `customers` or `leads`: the audit entry's and the answer's `kind`.
    var kind: String { get }
    var columns: [ImportColumn] { get }
    /// Fields the request gives every row that has no cell for them (`?source=` of a lead import).
    var defaults: [String: JSONValue] { get }

    /// The row as the create endpoint's body, checked by its rules (an `APIError` 400 naming fields).
    func check(_ body: JSONValue) throws -> Checked
    /// The salesperson the row names (checked once per import with `User.requireActive`).
    func salesID(of row: Checked) -> UUID?
    /// The row's normalised email and phone.
    func contact(of row: Checked) -> (email: String?, phone: String?)

    /// Stored records with one of these emails or phones, oldest first.
    func existing(emails: [String], phones: [String], on db: any Database) async throws -> [Existing]
    func contact(of record: Existing) -> (id: UUID, email: String?, phone: String?)
    /// The update endpoint's body that fills the record's empty fields from the row (empty: nothing new).
    func fill(_ record: Existing, from row: Checked) -> [String: JSONValue]

    /// Stores new records (in the caller's transaction), answering their ids in order.
    func create(_ rows: [Checked], on db: any Database) async throws -> [UUID]
    /// Applies `fill`'s body with the update endpoint's service method (in the caller's transaction).
    func update(_ id: UUID, _ patch: [String: JSONValue], on db: any Database) async throws
}

extension ImportTarget {
    var defaults: [String: JSONValue] { [:] }
}

import Fluent
import Foundation

/// A clinic's customer (patient of aesthetic treatments) and the salesperson who looks after them.
final class Customer: Model, @unchecked Sendable {
    static let schema = "customers"

    @ID(key: .id) var id: UUID?
    @Field(key: "first_name") var firstName: String
    @Field(key: "last_name") var lastName: String
    @OptionalField(key: "email") var email: String?
    @OptionalField(key: "phone") var phone: String?
    @OptionalField(key: "date_of_birth") var dateOfBirth: String?
    @OptionalField(key: "assigned_sales_id") var assignedSalesID: UUID?
    /// Lower-cased "first last email phone", for case-insensitive search on both databases.
    @Field(key: "search_text") var searchText: String
    /// Optimistic-concurrency version, sent as the ETag; bumped by every edit.
    @Field(key: "version") var version: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    func refreshSearchText() {
        searchText = ContactFields.searchText(firstName, lastName, email, phone)
    }
}

extension Customer {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $firstName, $lastName, $email, $phone, $dateOfBirth, $assignedSalesID, $searchText, $version, $createdAt, $updatedAt] }
}

/// What the audit trail records of it (`AuditLog`).
extension Customer: Auditable {
    static let auditType = "customer"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { id }
    var auditFields: [String: JSONValue] {
        ["firstName": .init(firstName), "lastName": .init(lastName), "email": .init(email), "phone": .init(phone),
         "dateOfBirth": .init(dateOfBirth), "assignedSalesId": .init(assignedSalesID)]
    }
}

extension Customer: VersionedEntity {}

import Fluent
import Foundation

/// A characterisation tag of the catalogue (VIP, High-Value, Price-Sensitive…).
final class Tag: Model, @unchecked Sendable {
    static let schema = "tags"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "name_key") var nameKey: String
    @OptionalField(key: "color") var color: String?
    @OptionalField(key: "description") var details: String?
    /// Optimistic-concurrency version, sent as the ETag; bumped by every edit.
    @Field(key: "version") var version: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// A tag attached to a customer, with why and by whom.
final class CustomerTag: Model, @unchecked Sendable {
    static let schema = "customer_tags"

    @ID(key: .id) var id: UUID?
    @Field(key: "customer_id") var customerID: UUID
    @Field(key: "tag_id") var tagID: UUID
    @OptionalField(key: "notes") var notes: String?
    @OptionalField(key: "added_by") var addedBy: UUID?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

extension Tag {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $name, $nameKey, $color, $details, $version, $createdAt, $updatedAt] }
}

extension CustomerTag {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $customerID, $tagID, $notes, $addedBy, $createdAt] }
}

/// What the audit trail records of it (`AuditLog`).
extension Tag: Auditable {
    static let auditType = "tag"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { nil }
    var auditFields: [String: JSONValue] { ["name": .init(name), "color": .init(color), "description": .init(details)] }
}

extension Tag: VersionedEntity {}

/// What the audit trail records of it (`AuditLog`).
extension CustomerTag: Auditable {
    static let auditType = "customer_tag"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { customerID }
    var auditFields: [String: JSONValue] { ["customerId": .init(customerID), "tagId": .init(tagID), "notes": .init(notes)] }
}

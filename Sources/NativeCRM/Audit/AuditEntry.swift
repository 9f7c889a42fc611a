import Fluent
import Foundation

/// One change to the CRM's data: who, when, in which request, what, and the fields' old and new values.
final class AuditEntry: Model, @unchecked Sendable {
    static let schema = "audit_entries"

    @ID(key: .id) var id: UUID?
    @OptionalField(key: "user_id") var userID: UUID?
    @OptionalField(key: "request_id") var requestID: String?
    @Field(key: "entity_type") var entityType: String
    @Field(key: "entity_id") var entityID: UUID
    @Field(key: "action") var action: AuditAction
    /// JSON `{field: {"old": …, "new": …}}`.
    @Field(key: "changes") var changesText: String
    /// The customer the entity belongs to, for the customer's timeline.
    @OptionalField(key: "customer_id") var customerID: UUID?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

public enum AuditAction: String, APIEnum {
    case create, update, delete
}

/// A model whose changes are audited: its type name, id, owning customer and its fields as JSON
/// (never secrets such as password hashes).
protocol Auditable {
    static var auditType: String { get }
    var auditID: UUID { get }
    var auditCustomerID: UUID? { get }
    var auditFields: [String: JSONValue] { get }
}

extension JSONValue {
    init(_ value: String?) { self = value.map { .string($0) } ?? .null }
    init(_ value: UUID?) { self = value.map { .string($0.uuidString) } ?? .null }
    init(_ value: Date?) { self = value.map { .string(Timestamp.format($0)) } ?? .null }
    init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    init(_ value: Bool) { self = .bool(value) }
    init(cents: Int64?) { self = cents.map { .number(Decimal($0) / 100) } ?? .null }
    init(_ value: some APIEnum) { self = .string(value.rawValue) }
    init(json object: JSONObject) { self = .object(object.fields) }
}

extension AuditEntry {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $userID, $requestID, $entityType, $entityID, $action, $changesText, $customerID, $createdAt] }
}

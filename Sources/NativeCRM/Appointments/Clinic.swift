import Fluent
import Foundation

/// A clinic (location) where treatments happen.
final class Clinic: Model, @unchecked Sendable {
    static let schema = "clinics"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "name_key") var nameKey: String
    @OptionalField(key: "address") var address: String?
    @OptionalField(key: "phone") var phone: String?
    /// Optimistic-concurrency version, sent as the ETag; bumped by every edit.
    @Field(key: "version") var version: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// A treatment the clinics sell (Botox, fillers, laser…), with its price and usual rebooking interval.
final class ServiceOffering: Model, @unchecked Sendable {
    static let schema = "services"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "name_key") var nameKey: String
    @Field(key: "price_cents") var priceCents: Int64
    @OptionalField(key: "typical_interval_days") var typicalIntervalDays: Int?
    @OptionalField(key: "duration_minutes") var durationMinutes: Int?
    /// Optimistic-concurrency version, sent as the ETag; bumped by every edit.
    @Field(key: "version") var version: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

extension Clinic {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $name, $nameKey, $address, $phone, $version, $createdAt, $updatedAt] }
}

extension ServiceOffering {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $name, $nameKey, $priceCents, $typicalIntervalDays, $durationMinutes, $version, $createdAt, $updatedAt] }
}

/// What the audit trail records of it (`AuditLog`).
extension Clinic: Auditable {
    static let auditType = "clinic"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { nil }
    var auditFields: [String: JSONValue] { ["name": .init(name), "address": .init(address), "phone": .init(phone)] }
}

extension Clinic: VersionedEntity {}

/// What the audit trail records of it (`AuditLog`).
extension ServiceOffering: Auditable {
    static let auditType = "service"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { nil }
    var auditFields: [String: JSONValue] {
        ["name": .init(name), "price": .init(cents: priceCents), "typicalIntervalDays": .init(typicalIntervalDays),
         "durationMinutes": .init(durationMinutes)]
    }
}

extension ServiceOffering: VersionedEntity {}

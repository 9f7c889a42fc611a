import Fluent
import SQLKit
import Foundation

/// A prospective customer from an ad, a referral, a walk-in or the website.
final class Lead: Model, StoresMetadata, @unchecked Sendable {
    static let schema = "leads"

    @ID(key: .id) var id: UUID?
    @Field(key: "source") var source: LeadSource
    @Field(key: "first_name") var firstName: String
    @OptionalField(key: "last_name") var lastName: String?
    @OptionalField(key: "email") var email: String?
    @OptionalField(key: "phone") var phone: String?
    @Field(key: "status") var status: LeadStatus
    @OptionalField(key: "notes") var notes: String?
    @OptionalField(key: "estimated_value_cents") var estimatedValueCents: Int64?
    @Field(key: "metadata") var metadataText: String
    @OptionalField(key: "assigned_sales_id") var assignedSalesID: UUID?
    @OptionalField(key: "lost_reason") var lostReason: String?
    @OptionalField(key: "converted_customer_id") var convertedCustomerID: UUID?
    @OptionalField(key: "converted_at") var convertedAt: Date?
    @OptionalField(key: "first_contacted_at") var firstContactedAt: Date?
    /// Minutes from creation to the first contact (for the analytics median).
    @OptionalField(key: "first_contact_minutes") var firstContactMinutes: Double?
    @Field(key: "search_text") var searchText: String
    @OptionalField(key: "created_by") var createdBy: UUID?
    /// The sender's id for the lead (intake); unique per source.
    @OptionalField(key: "external_id") var externalID: String?
    /// `LeadAttribution` as JSON text: where the lead came from.
    @Field(key: "attribution") var attributionText: String
    /// The existing customer whose email or phone the lead carried when it arrived.
    @OptionalField(key: "matched_customer_id") var matchedCustomerID: UUID?
    /// A platform's test lead: kept, left out of analytics.
    @Field(key: "is_test") var isTest: Bool
    /// Optimistic-concurrency version, sent as the ETag; bumped by every edit.
    @Field(key: "version") var version: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// Not a platform's test lead (`is_test`), in SQL: what analytics counts.
    static let realSQL: SQLQueryString = "is_test = \(bind: false)"

    var attribution: [String: String] {
        get { LeadAttribution.decode(attributionText) }
        set { attributionText = LeadAttribution.encode(newValue) }
    }

    func refreshSearchText() {
        searchText = ContactFields.searchText(firstName, lastName, email, phone)
    }

    /// Moves to `status`; the first move past `new` stamps the first contact.
    func setStatus(_ value: LeadStatus, now: Date) {
        status = value
        if value != .new, firstContactedAt == nil {
            firstContactedAt = now
            firstContactMinutes = (now.timeIntervalSince(createdAt) / 60 * 100).rounded() / 100
        }
        if value != .lost { lostReason = nil }
    }
}

extension Lead {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $source, $firstName, $lastName, $email, $phone, $status, $notes, $estimatedValueCents, $metadataText, $assignedSalesID, $lostReason, $convertedCustomerID, $convertedAt, $firstContactedAt, $firstContactMinutes, $searchText, $createdBy, $externalID, $attributionText, $matchedCustomerID, $isTest, $version, $createdAt, $updatedAt] }
}

/// What the audit trail records of it (`AuditLog`).
extension Lead: Auditable {
    static let auditType = "lead"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { convertedCustomerID }
    var auditFields: [String: JSONValue] {
        ["source": .init(source), "firstName": .init(firstName), "lastName": .init(lastName), "email": .init(email),
         "phone": .init(phone), "status": .init(status), "notes": .init(notes), "estimatedValue": .init(cents: estimatedValueCents),
         "assignedSalesId": .init(assignedSalesID), "lostReason": .init(lostReason),
         "convertedCustomerId": .init(convertedCustomerID), "metadata": .init(json: metadata),
         "externalId": .init(externalID), "attribution": .object(attribution.mapValues { .string($0) }),
         "matchedCustomerId": .init(matchedCustomerID), "isTest": .init(isTest)]
    }
}

extension Lead: VersionedEntity {}

import Fluent
import Foundation

/// A customer's visit for one service at one clinic.
final class Appointment: Model, @unchecked Sendable {
    static let schema = "appointments"

    @ID(key: .id) var id: UUID?
    @Field(key: "customer_id") var customerID: UUID
    @Field(key: "service_id") var serviceID: UUID
    @Field(key: "clinic_id") var clinicID: UUID
    @Field(key: "start_time") var startTime: Date
    @OptionalField(key: "end_time") var endTime: Date?
    @Field(key: "status") var status: AppointmentStatus
    @Field(key: "total_amount_cents") var totalAmountCents: Int64
    @Field(key: "treatment_details") var treatmentDetailsText: String
    @OptionalField(key: "notes") var notes: String?
    @OptionalField(key: "created_by") var createdBy: UUID?
    /// The customer's salesperson (a copy kept in step with the customer, for revenue by salesperson).
    @OptionalField(key: "sales_id") var salesID: UUID?
    /// Optimistic-concurrency version, sent as the ETag; bumped by every edit.
    @Field(key: "version") var version: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var treatmentDetails: JSONObject {
        get { JSONObject(text: treatmentDetailsText) }
        set { treatmentDetailsText = newValue.text }
    }
}

extension Appointment {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $customerID, $serviceID, $clinicID, $startTime, $endTime, $status, $totalAmountCents, $treatmentDetailsText, $notes, $createdBy, $salesID, $version, $createdAt, $updatedAt] }
}

/// What the audit trail records of it (`AuditLog`).
extension Appointment: Auditable {
    static let auditType = "appointment"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { customerID }
    var auditFields: [String: JSONValue] {
        ["customerId": .init(customerID), "serviceId": .init(serviceID), "clinicId": .init(clinicID),
         "startTime": .init(startTime), "endTime": .init(endTime), "status": .init(status),
         "totalAmount": .init(cents: totalAmountCents), "treatmentDetails": .init(json: treatmentDetails), "notes": .init(notes)]
    }
}

extension Appointment: VersionedEntity {}

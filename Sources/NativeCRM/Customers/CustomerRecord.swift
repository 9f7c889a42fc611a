import Fluent
import Foundation

/// The seed's customer record: editable status, notes and preferences, plus stored statistics that
/// `RecordStatisticsWriter.recompute` keeps equal to `RecordStatistics.compute`.
final class CustomerRecord: Model, @unchecked Sendable {
    static let schema = "customer_records"

    @ID(key: .id) var id: UUID?
    @Field(key: "customer_id") var customerID: UUID
    @Field(key: "customer_status") var customerStatus: CustomerStatus
    @OptionalField(key: "notes") var notes: String?
    @Field(key: "preferences") var preferencesText: String
    @Field(key: "total_appointments") var totalAppointments: Int
    @Field(key: "completed_appointments") var completedAppointments: Int
    @Field(key: "cancelled_appointments") var cancelledAppointments: Int
    @Field(key: "lifetime_value_cents") var lifetimeValueCents: Int64
    @OptionalField(key: "first_appointment_date") var firstAppointmentDate: Date?
    @OptionalField(key: "last_appointment_date") var lastAppointmentDate: Date?
    @OptionalField(key: "last_contact_date") var lastContactDate: Date?
    @OptionalField(key: "average_days_between_visits") var averageDaysBetweenVisits: Double?
    @Field(key: "is_repeat_customer") var isRepeatCustomer: Bool
    @Field(key: "repeat_count") var repeatCount: Int
    @OptionalField(key: "expected_next_visit") var expectedNextVisit: String?
    /// Copy of the customer's salesperson, so per-salesperson lists are served by this table's indexes.
    @OptionalField(key: "assigned_sales_id") var assignedSalesID: UUID?
    /// `lastContactDate`, or 1970-01-01 when never contacted (they sort first in the follow-up list).
    @OptionalField(key: "contact_sort_at") var contactSortAt: Date?
    /// Optimistic-concurrency version, sent as the ETag; bumped by every edit.
    @Field(key: "version") var version: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// A fresh record (status `new`, no history) for a new customer.
    init(customerID: UUID, assignedSalesID: UUID?, now: Date) {
        self.customerID = customerID
        self.assignedSalesID = assignedSalesID
        customerStatus = .new
        preferencesText = "{}"
        createdAt = now
        updatedAt = now
        version = 1
        apply(.empty)
    }

    var preferences: JSONObject {
        get { JSONObject(text: preferencesText) }
        set { preferencesText = newValue.text }
    }

    /// The stored copy of the statistics.
    var statistics: RecordStatistics {
        RecordStatistics(
            totalAppointments: totalAppointments, completedAppointments: completedAppointments,
            cancelledAppointments: cancelledAppointments, lifetimeValue: Money(cents: lifetimeValueCents),
            firstAppointmentDate: firstAppointmentDate, lastAppointmentDate: lastAppointmentDate,
            lastContactDate: lastContactDate, averageDaysBetweenVisits: averageDaysBetweenVisits,
            isRepeatCustomer: isRepeatCustomer, repeatCount: repeatCount,
            expectedNextVisit: expectedNextVisit.flatMap(CalendarDate.init))
    }

    func apply(_ stats: RecordStatistics) {
        totalAppointments = stats.totalAppointments
        completedAppointments = stats.completedAppointments
        cancelledAppointments = stats.cancelledAppointments
        lifetimeValueCents = stats.lifetimeValue.cents
        firstAppointmentDate = stats.firstAppointmentDate
        lastAppointmentDate = stats.lastAppointmentDate
        lastContactDate = stats.lastContactDate
        averageDaysBetweenVisits = stats.averageDaysBetweenVisits
        isRepeatCustomer = stats.isRepeatCustomer
        repeatCount = stats.repeatCount
        expectedNextVisit = stats.expectedNextVisit?.description
        contactSortAt = stats.lastContactDate ?? Self.neverContacted
    }

    static let neverContacted = Date(timeIntervalSince1970: 0)

    /// Whether the stored copy (statistics and the follow-up sort key) differs from `stats`.
    func needs(_ stats: RecordStatistics) -> Bool {
        statistics != stats || contactSortAt != (stats.lastContactDate ?? Self.neverContacted)
    }
}

extension CustomerRecord {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $customerID, $customerStatus, $notes, $preferencesText, $totalAppointments, $completedAppointments, $cancelledAppointments, $lifetimeValueCents, $firstAppointmentDate, $lastAppointmentDate, $lastContactDate, $averageDaysBetweenVisits, $isRepeatCustomer, $repeatCount, $expectedNextVisit, $assignedSalesID, $contactSortAt, $version, $createdAt, $updatedAt] }
}

/// What the audit trail records of it (`AuditLog`).
extension CustomerRecord: Auditable {
    static let auditType = "customer_record"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { customerID }
    /// The editable fields; the statistics are derived from audited appointments and communications.
    var auditFields: [String: JSONValue] {
        ["customerStatus": .init(customerStatus), "notes": .init(notes), "preferences": .init(json: preferences)]
    }
}

extension CustomerRecord: VersionedEntity {}

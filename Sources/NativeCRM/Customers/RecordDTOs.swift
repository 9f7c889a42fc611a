import OpenAPIKit
import Vapor

/// The `record` block of `GET /crm/customers/:id/record` (seed shape).
struct RecordResponse: Content {
    var id: UUID
    var customerId: UUID
    var customerStatus: CustomerStatus
    var lifetimeValue: Money
    var totalAppointments: Int
    var completedAppointments: Int
    var cancelledAppointments: Int
    @NullEncodable var lastAppointmentDate: Date?
    @NullEncodable var nextAppointmentDate: Date?
    @NullEncodable var lastContactDate: Date?
    @NullEncodable var averageDaysBetweenVisits: Double?
    var isRepeatCustomer: Bool
    var repeatCount: Int
    @NullEncodable var expectedNextVisit: CalendarDate?
    @NullEncodable var notes: String?
    var preferences: JSONObject
    var treatmentHistory: [TreatmentHistoryEntry]
    var createdAt: Date
    var updatedAt: Date

    init(record: CustomerRecord, statistics: RecordStatistics, nextAppointment: Date?,
         treatmentHistory: [TreatmentHistoryEntry]) {
        id = record.id!
        customerId = record.customerID
        customerStatus = record.customerStatus
        lifetimeValue = statistics.lifetimeValue
        totalAppointments = statistics.totalAppointments
        completedAppointments = statistics.completedAppointments
        cancelledAppointments = statistics.cancelledAppointments
        lastAppointmentDate = statistics.lastAppointmentDate
        nextAppointmentDate = nextAppointment
        lastContactDate = statistics.lastContactDate
        averageDaysBetweenVisits = statistics.averageDaysBetweenVisits
        isRepeatCustomer = statistics.isRepeatCustomer
        repeatCount = statistics.repeatCount
        expectedNextVisit = statistics.expectedNextVisit
        notes = record.notes
        preferences = record.preferences
        self.treatmentHistory = treatmentHistory
        createdAt = record.createdAt
        updatedAt = record.updatedAt
    }
}

/// One completed visit in `treatmentHistory`.
struct TreatmentHistoryEntry: Content {
    var appointmentId: UUID
    var serviceName: String
    var clinicName: String
    var date: Date
    var totalAmount: Money
    var treatmentDetails: JSONObject
}

/// The `summary` block of the record response.
struct RecordSummary: Content {
    var totalAppointments: Int
    var completedAppointments: Int
    var lifetimeValue: Money
    @NullEncodable var lastAppointment: Date?
    @NullEncodable var nextAppointment: Date?
    var isRepeatCustomer: Bool
    var repeatCount: Int

    init(_ record: RecordResponse) {
        totalAppointments = record.totalAppointments
        completedAppointments = record.completedAppointments
        lifetimeValue = record.lifetimeValue
        lastAppointment = record.lastAppointmentDate
        nextAppointment = record.nextAppointmentDate
        isRepeatCustomer = record.isRepeatCustomer
        repeatCount = record.repeatCount
    }
}

/// `GET /crm/customers/:id/record` (seed shape), plus the customer itself.
struct CustomerRecordResponse: Content {
    var record: RecordResponse
    var customer: CustomerResponse
    var appointments: [AppointmentResponse]
    var communications: [CommunicationResponse]
    var actions: [ActionResponse]
    var tags: [CustomerTagResponse]
    var summary: RecordSummary

    init(record: RecordResponse, customer: CustomerResponse, appointments: [AppointmentResponse],
         communications: [CommunicationResponse], actions: [ActionResponse], tags: [CustomerTagResponse]) {
        self.record = record
        self.customer = customer
        self.appointments = appointments
        self.communications = communications
        self.actions = actions
        self.tags = tags
        summary = RecordSummary(record)
    }
}

/// `PUT /crm/customers/:id/record`: only these three fields may change.
struct UpdateRecordRequest: Decodable, Sendable, ReadOnlyKeys {
    var customerStatus: CustomerStatus?
    var notes: PatchField<String>
    var preferences: JSONObject?

    static let readOnlyMessage = "is derived from the customer's history and cannot be set"

    /// Keys a client may read but never write (the derived statistics and identities).
    static let readOnlyKeys: [String] = [
        "id", "customerId", "lifetimeValue", "totalAppointments", "completedAppointments",
        "cancelledAppointments", "lastAppointmentDate", "nextAppointmentDate", "lastContactDate",
        "averageDaysBetweenVisits", "isRepeatCustomer", "repeatCount", "expectedNextVisit",
        "treatmentHistory", "createdAt", "updatedAt",
    ]
}

// MARK: - The API document's schemas

extension TreatmentHistoryEntry: Documented {
    static let schemaName = "TreatmentHistoryEntry"
    static var schema: JSONSchema {
        Schema.response([
            "appointmentId": Schema.uuid, "serviceName": Schema.string, "clinicName": Schema.string, "date": Schema.dateTime,
            "totalAmount": Schema.moneyOut, "treatmentDetails": Schema.jsonObject,
        ])
    }
}

extension RecordResponse: Documented {
    static let schemaName = "CustomerRecord"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid, "customerId": Schema.uuid,
            "customerStatus": CustomerStatus.ref,
            "lifetimeValue": Schema.moneyOut,
            "totalAppointments": Schema.count, "completedAppointments": Schema.count, "cancelledAppointments": Schema.count,
            "lastAppointmentDate": Schema.dateTime.orNull,
            "nextAppointmentDate": Schema.dateTime.orNull,
            "lastContactDate": Schema.dateTime.orNull,
            "averageDaysBetweenVisits": Schema.number.orNull,
            "isRepeatCustomer": Schema.boolean,
            "repeatCount": Schema.count,
            "expectedNextVisit": Schema.date.orNull,
            "notes": Schema.string.orNull,
            "preferences": Schema.jsonObject,
            "treatmentHistory": Schema.array(TreatmentHistoryEntry.ref, "Completed visits, newest first (at most 100)."),
            "createdAt": Schema.dateTime, "updatedAt": Schema.dateTime,
        ], description: "The customer record; every statistic is derived from the customer's history.")
    }
}

extension RecordSummary: Documented {
    static let schemaName = "RecordSummary"
    static var schema: JSONSchema {
        Schema.response([
            "totalAppointments": Schema.count, "completedAppointments": Schema.count, "lifetimeValue": Schema.moneyOut,
            "lastAppointment": Schema.dateTime.orNull, "nextAppointment": Schema.dateTime.orNull,
            "isRepeatCustomer": Schema.boolean, "repeatCount": Schema.count,
        ])
    }
}

extension CustomerRecordResponse: Documented {
    static let schemaName = "CustomerRecordView"
    static var schema: JSONSchema {
        Schema.response([
            "record": RecordResponse.ref,
            "customer": CustomerResponse.ref,
            "appointments": Schema.array(AppointmentResponse.ref, "The \(RecordView.viewLimit) most recent, latest first."),
            "communications": Schema.array(CommunicationResponse.ref, "The \(RecordView.viewLimit) most recent, newest first."),
            "actions": Schema.array(ActionResponse.ref, "Up to \(RecordView.viewLimit) the caller may see, in due order."),
            "tags": Schema.array(CustomerTagResponse.ref, "Oldest first."),
            "summary": RecordSummary.ref,
        ])
    }
}

extension UpdateRecordRequest: Documented {
    static let schemaName = "UpdateRecordRequest"
    static var schema: JSONSchema {
        Schema.request([
            "customerStatus": Schema.oneOf(CustomerStatus.self).described("Null or absent leaves it unchanged.").orNull,
            "notes": Schema.text(TextLimits.notes, "At most \(TextLimits.notes) characters; null clears it.").orNull,
            "preferences": Schema.jsonIn.described(
                Schema.jsonInText + " Merged shallowly into the stored preferences (the result within the same limits); "
                    + "a key set to null is removed.").orNull,
        ], required: [],
        description: "Only `customerStatus`, `notes` and `preferences` may change. Sending a derived or read-only field ("
            + readOnlyKeys.map { "`\($0)`" }.joined(separator: ", ") + ") is a 400 naming each one.")
    }
}

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

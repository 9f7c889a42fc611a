import Vapor

/// `POST /crm/appointments`.
struct CreateAppointmentRequest: Content {
    var customerId: UUID
    var serviceId: UUID
    var clinicId: UUID
    var startTime: Date
    var endTime: Date?
    var status: AppointmentStatus?
    /// Defaults to the service's price.
    var totalAmount: Money?
    var treatmentDetails: JSONObject?
    var notes: String?
}

/// `PATCH /crm/appointments/:id`: partial; `treatmentDetails` merges shallowly.
struct UpdateAppointmentRequest: Decodable, Sendable {
    var serviceId: UUID?
    var clinicId: UUID?
    var startTime: Date?
    var endTime: PatchField<Date>
    var status: AppointmentStatus?
    var totalAmount: Money?
    var treatmentDetails: JSONObject?
    var notes: PatchField<String>
}

/// An appointment as the API shows it, with its service and clinic names (the record's shape).
struct AppointmentResponse: Content {
    var id: UUID
    var customerId: UUID
    var serviceId: UUID
    var serviceName: String
    var clinicId: UUID
    var clinicName: String
    var startTime: Date
    @NullEncodable var endTime: Date?
    var status: AppointmentStatus
    var totalAmount: Money
    var treatmentDetails: JSONObject
    @NullEncodable var notes: String?
    @NullEncodable var createdBy: UUID?
    var createdAt: Date
    var updatedAt: Date

    init(_ appointment: Appointment, serviceName: String, clinicName: String) {
        id = appointment.id!
        customerId = appointment.customerID
        serviceId = appointment.serviceID
        self.serviceName = serviceName
        clinicId = appointment.clinicID
        self.clinicName = clinicName
        startTime = appointment.startTime
        endTime = appointment.endTime
        status = appointment.status
        totalAmount = Money(cents: appointment.totalAmountCents)
        treatmentDetails = appointment.treatmentDetails
        notes = appointment.notes
        createdBy = appointment.createdBy
        createdAt = appointment.createdAt
        updatedAt = appointment.updatedAt
    }
}

/// Filters of `GET /crm/appointments`.
struct AppointmentFilter: Sendable {
    var customerID: UUID?
    var status: AppointmentStatus?
    /// Starting at or after.
    var from: Date?
    /// Starting before.
    var to: Date?
}

import OpenAPIKit
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

// MARK: - The API document's schemas

extension AppointmentResponse: Documented {
    static let schemaName = "Appointment"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid, "customerId": Schema.uuid, "serviceId": Schema.uuid, "serviceName": Schema.string,
            "clinicId": Schema.uuid, "clinicName": Schema.string,
            "startTime": Schema.dateTime, "endTime": Schema.dateTime.orNull,
            "status": AppointmentStatus.ref,
            "totalAmount": Schema.moneyOut,
            "treatmentDetails": Schema.jsonObject,
            "notes": Schema.string.orNull,
            "createdBy": Schema.uuid.orNull,
            "createdAt": Schema.dateTime, "updatedAt": Schema.dateTime,
        ])
    }
}

extension CreateAppointmentRequest: Documented {
    static let schemaName = "CreateAppointmentRequest"
    static var schema: JSONSchema {
        Schema.request([
            "customerId": Schema.uuid.described("An existing customer (400 otherwise)."),
            "serviceId": Schema.uuid.described("An existing service (400 otherwise)."),
            "clinicId": Schema.uuid.described("An existing clinic (400 otherwise)."),
            "startTime": Schema.dateTime,
            "endTime": Schema.dateTime.described("After `startTime`.").orNull,
            "status": Schema.oneOf(AppointmentStatus.self).described("Defaults to `scheduled`.").orNull,
            "totalAmount": Schema.moneyIn.described("Defaults to the service's price.").orNull,
            "treatmentDetails": Schema.jsonIn.orNull,
            "notes": Schema.notes.orNull,
        ], required: ["customerId", "serviceId", "clinicId", "startTime"])
    }
}

extension UpdateAppointmentRequest: Documented {
    static let schemaName = "UpdateAppointmentRequest"
    static var schema: JSONSchema {
        let lifecycle = AppointmentStatus.allCases.compactMap { from -> String? in
            let to = AppointmentStatus.allCases.filter { (AppointmentService.transitions[from] ?? []).contains($0) }
            return to.isEmpty ? nil : "\(from.rawValue) → " + to.map(\.rawValue).joined(separator: "|")
        }
        let closed = AppointmentStatus.allCases.filter { from in !AppointmentStatus.allCases.contains { (AppointmentService.transitions[from] ?? []).contains($0) } }
        return Schema.request([
            "serviceId": Schema.uuid.described("An existing service; null or absent leaves it unchanged.").orNull,
            "clinicId": Schema.uuid.described("An existing clinic; null or absent leaves it unchanged.").orNull,
            "startTime": Schema.dateTime.described("Null or absent leaves it unchanged.").orNull,
            "endTime": Schema.dateTime.described("After the start; null clears it.").orNull,
            "status": Schema.oneOf(AppointmentStatus.self).described(
                lifecycle.joined(separator: "; ") + "; " + closed.map(\.rawValue).joined(separator: " and ")
                    + " are final (409).").orNull,
            "totalAmount": Schema.moneyIn.orNull,
            "treatmentDetails": Schema.jsonMerge.orNull,
            "notes": Schema.text(TextLimits.notes, "At most \(TextLimits.notes) characters; null clears it.").orNull,
        ], required: [],
        description: "Partial update. A completed or cancelled appointment cannot change status or be moved (409).")
    }
}

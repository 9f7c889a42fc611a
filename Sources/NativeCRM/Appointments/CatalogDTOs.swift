import Vapor

/// `POST /crm/clinics`.
struct CreateClinicRequest: Content {
    var name: String
    var address: String?
    var phone: String?
}

/// `PATCH /crm/clinics/:id`: absent fields stay; `null` clears address or phone.
struct UpdateClinicRequest: Decodable, Sendable {
    var name: String?
    var address: PatchField<String>
    var phone: PatchField<String>
}

struct ClinicResponse: Content {
    var id: UUID
    var name: String
    @NullEncodable var address: String?
    @NullEncodable var phone: String?
    var createdAt: Date
    var updatedAt: Date

    init(_ clinic: Clinic) {
        id = clinic.id!
        name = clinic.name
        address = clinic.address
        phone = clinic.phone
        createdAt = clinic.createdAt
        updatedAt = clinic.updatedAt
    }
}

/// `POST /crm/services`.
struct CreateServiceRequest: Content {
    var name: String
    var price: Money
    var typicalIntervalDays: Int?
    var durationMinutes: Int?
}

/// `PATCH /crm/services/:id`: absent fields stay; `null` clears the interval or the duration. A new
/// price applies to appointments booked afterwards; booked ones keep the amount they were booked at.
struct UpdateServiceRequest: Decodable, Sendable {
    var name: String?
    var price: Money?
    var typicalIntervalDays: PatchField<Int>
    var durationMinutes: PatchField<Int>
}

struct ServiceResponse: Content {
    var id: UUID
    var name: String
    var price: Money
    @NullEncodable var typicalIntervalDays: Int?
    @NullEncodable var durationMinutes: Int?
    var createdAt: Date
    var updatedAt: Date

    init(_ service: ServiceOffering) {
        id = service.id!
        name = service.name
        price = Money(cents: service.priceCents)
        typicalIntervalDays = service.typicalIntervalDays
        durationMinutes = service.durationMinutes
        createdAt = service.createdAt
        updatedAt = service.updatedAt
    }
}

import OpenAPIKit
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

// MARK: - The API document's schemas

private func range(_ bounds: ClosedRange<Int>, _ description: String? = nil) -> JSONSchema {
    .integer(description: description, maximum: (bounds.upperBound, exclusive: false), minimum: (bounds.lowerBound, exclusive: false))
}

private let addressSchema = Schema.text(TextLimits.address)

extension ClinicResponse: Documented {
    static let schemaName = "Clinic"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid, "name": Schema.string, "address": Schema.string.orNull, "phone": Schema.string.orNull,
            "createdAt": Schema.dateTime, "updatedAt": Schema.dateTime,
        ])
    }
}

extension CreateClinicRequest: Documented {
    static let schemaName = "CreateClinicRequest"
    static var schema: JSONSchema {
        Schema.request(["name": Schema.uniqueName, "address": addressSchema.orNull, "phone": Schema.phoneIn.orNull],
                       required: ["name"])
    }
}

extension UpdateClinicRequest: Documented {
    static let schemaName = "UpdateClinicRequest"
    static var schema: JSONSchema {
        Schema.request([
            "name": Schema.uniqueName.described("Null or absent leaves it unchanged.").orNull,
            "address": Schema.text(TextLimits.address, "At most \(TextLimits.address) characters; null clears it.").orNull,
            "phone": Schema.phoneIn.described("Null clears it.").orNull,
        ], required: [])
    }
}

extension ServiceResponse: Documented {
    static let schemaName = "Service"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid, "name": Schema.string, "price": Schema.moneyOut,
            "typicalIntervalDays": Schema.integer.orNull, "durationMinutes": Schema.integer.orNull,
            "createdAt": Schema.dateTime, "updatedAt": Schema.dateTime,
        ])
    }
}

extension CreateServiceRequest: Documented {
    static let schemaName = "CreateServiceRequest"
    static var schema: JSONSchema {
        Schema.request([
            "name": Schema.uniqueName,
            "price": Schema.moneyIn,
            "typicalIntervalDays": range(CatalogService.intervalDays).orNull,
            "durationMinutes": range(CatalogService.durationMinutes).orNull,
        ], required: ["name", "price"])
    }
}

extension UpdateServiceRequest: Documented {
    static let schemaName = "UpdateServiceRequest"
    static var schema: JSONSchema {
        Schema.request([
            "name": Schema.uniqueName.described("Null or absent leaves it unchanged.").orNull,
            "price": Schema.moneyIn.described("Applies to appointments booked from now on; booked ones keep their amount.").orNull,
            "typicalIntervalDays": range(CatalogService.intervalDays, "Null clears it.").orNull,
            "durationMinutes": range(CatalogService.durationMinutes, "Null clears it.").orNull,
        ], required: [])
    }
}

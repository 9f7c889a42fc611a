import OpenAPIKit
import Vapor

/// `POST /crm/customers`.
struct CreateCustomerRequest: Content {
    var firstName: String
    var lastName: String
    var email: String?
    var phone: String?
    var dateOfBirth: CalendarDate?
    var assignedSalesId: UUID?
}

/// `PATCH /crm/customers/:id`: absent fields stay; `null` clears the optional ones.
struct UpdateCustomerRequest: Decodable, Sendable {
    var firstName: String?
    var lastName: String?
    var email: PatchField<String>
    var phone: PatchField<String>
    var dateOfBirth: PatchField<CalendarDate>
    var assignedSalesId: PatchField<UUID>
}

/// A customer as the API shows it (every key present, `null` when empty).
struct CustomerResponse: Content {
    var id: UUID
    var firstName: String
    var lastName: String
    @NullEncodable var email: String?
    @NullEncodable var phone: String?
    @NullEncodable var dateOfBirth: String?
    @NullEncodable var assignedSalesId: UUID?
    var createdAt: Date
    var updatedAt: Date
    /// Only in the 201 of a create: other customers with the same email or phone (maybe the same person).
    var possibleDuplicates: [UUID]?

    init(_ customer: Customer, possibleDuplicates: [UUID]? = nil) {
        self.possibleDuplicates = possibleDuplicates
        id = customer.id!
        firstName = customer.firstName
        lastName = customer.lastName
        email = customer.email
        phone = customer.phone
        dateOfBirth = customer.dateOfBirth
        assignedSalesId = customer.assignedSalesID
        createdAt = customer.createdAt
        updatedAt = customer.updatedAt
    }
}

/// Filters of `GET /crm/customers`.
struct CustomerFilter: Sendable {
    var search: String?
    var status: CustomerStatus?
    var assignedSalesID: UUID?
    var tagID: UUID?
}

// MARK: - The API document's schemas

extension CustomerResponse: Documented {
    static let schemaName = "Customer"
    static let properties: OrderedDictionary<String, JSONSchema> = [
        "id": Schema.uuid, "firstName": Schema.string, "lastName": Schema.string,
        "email": Schema.string.orNull, "phone": Schema.string.orNull,
        "dateOfBirth": Schema.date.orNull, "assignedSalesId": Schema.uuid.orNull,
        "createdAt": Schema.dateTime, "updatedAt": Schema.dateTime,
    ]
    static var schema: JSONSchema { Schema.response(properties) }

    /// The 201 of a create: the customer and `possibleDuplicates`.
    enum Created: Documented {
        static let schemaName = "CreatedCustomer"
        static var schema: JSONSchema {
            var properties = CustomerResponse.properties
            properties["possibleDuplicates"] = Schema.array(Schema.uuid,
                    "Other customers with the same email or phone (oldest first, at most \(CustomerService.duplicateLimit)): the "
                        + "customer is created anyway (families share a phone), and the front desk can check whether it is "
                        + "the same person.")
            return Schema.response(properties)
        }
    }
}

extension CreateCustomerRequest: Documented {
    static let schemaName = "CreateCustomerRequest"
    static var schema: JSONSchema {
        Schema.request([
            "firstName": Schema.name,
            "lastName": Schema.name,
            "email": Schema.emailIn.orNull,
            "phone": Schema.phoneIn.orNull,
            "dateOfBirth": Schema.date.described("A past date, year 1900 or later.").orNull,
            "assignedSalesId": Schema.uuid.described(
                "Must be an active SALESPERSON; a salesperson's new customer defaults to themselves.").orNull,
        ], required: ["firstName", "lastName"])
    }
}

extension UpdateCustomerRequest: Documented {
    static let schemaName = "UpdateCustomerRequest"
    static var schema: JSONSchema {
        Schema.request([
            "firstName": Schema.name.described("Null or absent leaves it unchanged.").orNull,
            "lastName": Schema.name.described("Null or absent leaves it unchanged.").orNull,
            "email": Schema.emailIn.described("Null clears it.").orNull,
            "phone": Schema.phoneIn.described("Null clears it.").orNull,
            "dateOfBirth": Schema.date.described("A past date, year 1900 or later; null clears it.").orNull,
            "assignedSalesId": Schema.uuid.described(
                "An active SALESPERSON, or null to unassign. A SALESPERSON may only claim an unassigned customer for "
                    + "themselves (403 otherwise).").orNull,
        ], required: [], description: "Partial update: absent fields stay as they are.")
    }
}

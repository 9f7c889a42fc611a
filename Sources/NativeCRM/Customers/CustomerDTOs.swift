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

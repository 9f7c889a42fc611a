import OpenAPIKit
import Vapor

/// The short customer block of the repeat and follow-up lists (seed).
struct CustomerBrief: Content {
    var firstName: String
    var lastName: String
    @NullEncodable var email: String?
    @NullEncodable var phone: String?

    init(_ customer: Customer) {
        firstName = customer.firstName
        lastName = customer.lastName
        email = customer.email
        phone = customer.phone
    }
}

/// A row of `GET /crm/customers/repeat` (seed shape; `id` is the record's id).
struct RepeatCustomerResponse: Content {
    var id: UUID
    var customerId: UUID
    var customer: CustomerBrief
    var repeatCount: Int
    var lifetimeValue: Money
    @NullEncodable var lastAppointmentDate: Date?
    @NullEncodable var expectedNextVisit: CalendarDate?
    var completedAppointments: Int
    @NullEncodable var averageDaysBetweenVisits: Double?
    @NullEncodable var assignedSalesId: UUID?

    init(_ record: CustomerRecord, customer: Customer) {
        id = record.id!
        customerId = record.customerID
        self.customer = CustomerBrief(customer)
        repeatCount = record.repeatCount
        let statistics = record.statistics
        lifetimeValue = statistics.lifetimeValue
        lastAppointmentDate = record.lastAppointmentDate
        expectedNextVisit = statistics.expectedNextVisit
        completedAppointments = record.completedAppointments
        averageDaysBetweenVisits = record.averageDaysBetweenVisits
        assignedSalesId = record.assignedSalesID
    }
}

/// A row of `GET /crm/customers/follow-up`.
struct FollowUpCustomerResponse: Content {
    var id: UUID
    var customerId: UUID
    var customer: CustomerBrief
    var customerStatus: CustomerStatus
    @NullEncodable var assignedSalesId: UUID?
    @NullEncodable var lastContactDate: Date?
    /// The clinic's calendar days since the last contact; null when never contacted.
    @NullEncodable var daysSinceLastContact: Int?
    @NullEncodable var lastAppointmentDate: Date?
    @NullEncodable var expectedNextVisit: CalendarDate?

    init(_ record: CustomerRecord, customer: Customer, now: Date, clinicTime: ClinicTime) {
        id = record.id!
        customerId = record.customerID
        self.customer = CustomerBrief(customer)
        customerStatus = record.customerStatus
        assignedSalesId = record.assignedSalesID
        lastContactDate = record.lastContactDate
        daysSinceLastContact = record.lastContactDate.map { clinicTime.daysBetween($0, and: now) }
        lastAppointmentDate = record.lastAppointmentDate
        expectedNextVisit = record.statistics.expectedNextVisit
    }
}

// MARK: - The API document's schemas

extension CustomerBrief: Documented {
    static let schemaName = "CustomerBrief"
    static var schema: JSONSchema {
        Schema.response(["firstName": Schema.string, "lastName": Schema.string, "email": Schema.string.orNull,
                         "phone": Schema.string.orNull])
    }
}

extension RepeatCustomerResponse: Documented {
    static let schemaName = "RepeatCustomer"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid.described("The customer record's id."),
            "customerId": Schema.uuid,
            "customer": CustomerBrief.ref,
            "repeatCount": Schema.count,
            "lifetimeValue": Schema.moneyOut,
            "lastAppointmentDate": Schema.dateTime.orNull,
            "expectedNextVisit": Schema.date.orNull,
            "completedAppointments": Schema.count,
            "averageDaysBetweenVisits": Schema.number.orNull,
            "assignedSalesId": Schema.uuid.orNull,
        ])
    }
}

extension FollowUpCustomerResponse: Documented {
    static let schemaName = "FollowUpCustomer"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid.described("The customer record's id."),
            "customerId": Schema.uuid,
            "customer": CustomerBrief.ref,
            "customerStatus": CustomerStatus.ref,
            "assignedSalesId": Schema.uuid.orNull,
            "lastContactDate": Schema.dateTime.orNull,
            "daysSinceLastContact": Schema.integer.described("Whole days since the last contact; null when never contacted.").orNull,
            "lastAppointmentDate": Schema.dateTime.orNull,
            "expectedNextVisit": Schema.date.orNull,
        ])
    }
}

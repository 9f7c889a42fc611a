import Foundation

extension User: Auditable {
    static let auditType = "user"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { nil }
    var auditFields: [String: JSONValue] {
        ["email": .init(email), "name": .init(name), "role": .init(role), "active": .init(active),
         "passwordChangedAt": .init(passwordChangedAt)]
    }
}

extension Customer: Auditable {
    static let auditType = "customer"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { id }
    var auditFields: [String: JSONValue] {
        ["firstName": .init(firstName), "lastName": .init(lastName), "email": .init(email), "phone": .init(phone),
         "dateOfBirth": .init(dateOfBirth), "assignedSalesId": .init(assignedSalesID)]
    }
}

extension CustomerRecord: Auditable {
    static let auditType = "customer_record"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { customerID }
    /// The editable fields; the statistics are derived from audited appointments and communications.
    var auditFields: [String: JSONValue] {
        ["customerStatus": .init(customerStatus), "notes": .init(notes), "preferences": .init(json: preferences)]
    }
}

extension Clinic: Auditable {
    static let auditType = "clinic"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { nil }
    var auditFields: [String: JSONValue] { ["name": .init(name), "address": .init(address), "phone": .init(phone)] }
}

extension ClinicService: Auditable {
    static let auditType = "service"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { nil }
    var auditFields: [String: JSONValue] {
        ["name": .init(name), "price": .init(cents: priceCents), "typicalIntervalDays": .init(typicalIntervalDays),
         "durationMinutes": .init(durationMinutes)]
    }
}

extension Appointment: Auditable {
    static let auditType = "appointment"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { customerID }
    var auditFields: [String: JSONValue] {
        ["customerId": .init(customerID), "serviceId": .init(serviceID), "clinicId": .init(clinicID),
         "startTime": .init(startTime), "endTime": .init(endTime), "status": .init(status),
         "totalAmount": .init(cents: totalAmountCents), "treatmentDetails": .init(json: treatmentDetails), "notes": .init(notes)]
    }
}

extension Communication: Auditable {
    static let auditType = "communication"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { customerID }
    var auditFields: [String: JSONValue] {
        ["customerId": .init(customerID), "type": .init(type), "direction": direction.map { .init($0) } ?? .null,
         "status": .init(status), "subject": .init(subject), "notes": .init(notes), "durationSeconds": .init(durationSeconds),
         "scheduledAt": .init(scheduledAt), "occurredAt": .init(occurredAt), "metadata": .init(json: metadata)]
    }
}

extension SalesAction: Auditable {
    static let auditType = "action"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { customerID }
    var auditFields: [String: JSONValue] {
        ["actionType": .init(actionType), "title": .init(title), "description": .init(details), "status": .init(status),
         "priority": .init(priority), "dueDate": .init(dueDate), "assignedTo": .init(assignedTo),
         "relatedAppointmentId": .init(relatedAppointmentID), "relatedLeadId": .init(relatedLeadID),
         "completedAt": .init(completedAt), "metadata": .init(json: metadata)]
    }
}

extension Lead: Auditable {
    static let auditType = "lead"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { convertedCustomerID }
    var auditFields: [String: JSONValue] {
        ["source": .init(source), "firstName": .init(firstName), "lastName": .init(lastName), "email": .init(email),
         "phone": .init(phone), "status": .init(status), "notes": .init(notes), "estimatedValue": .init(cents: estimatedValueCents),
         "assignedSalesId": .init(assignedSalesID), "lostReason": .init(lostReason),
         "convertedCustomerId": .init(convertedCustomerID), "metadata": .init(json: metadata)]
    }
}

extension Tag: Auditable {
    static let auditType = "tag"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { nil }
    var auditFields: [String: JSONValue] { ["name": .init(name), "color": .init(color), "description": .init(details)] }
}

extension CustomerTag: Auditable {
    static let auditType = "customer_tag"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { customerID }
    var auditFields: [String: JSONValue] { ["customerId": .init(customerID), "tagId": .init(tagID), "notes": .init(notes)] }
}

extension Customer: VersionedEntity {}
extension CustomerRecord: VersionedEntity {}
extension Clinic: VersionedEntity {}
extension ClinicService: VersionedEntity {}
extension Appointment: VersionedEntity {}
extension Communication: VersionedEntity {}
extension SalesAction: VersionedEntity {}
extension Lead: VersionedEntity {}
extension Tag: VersionedEntity {}

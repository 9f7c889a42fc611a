/// The examples of the API document, taken from the seed document's own examples (its ids and values).
enum SeedExamples {
    static let customerID = "3f2b8c1e-5d4a-4e8b-9a61-2c7d0e9f1a23"
    static let recordID = "7a1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
    static let salesID = "b5e4d3c2-a1f0-4e9d-8c7b-6a5f4e3d2c1b"
    static let adminID = "0d9c8b7a-6f5e-4d3c-9b2a-1f0e9d8c7b6a"
    static let apptID = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"
    static let serviceID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
    static let clinicID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
    static let tagID = "e2d1c0b9-a8f7-4e6d-8c5b-4a3f2e1d0c9b"
    static let leadID = "4c3b2a19-0f8e-4d7c-9b6a-5f4e3d2c1b0a"
    static let commID = "6d5c4b3a-2f1e-4d0c-9b8a-7f6e5d4c3b2a"
    static let actionID = "8f7e6d5c-4b3a-4291-8f0e-9d8c7b6a5f4e"
    static let attachID = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"

    static let recordBlock: Example = [
        "id": .string(recordID),
        "customerId": .string(customerID),
        "customerStatus": "vip",
        "lifetimeValue": 1500.0,
        "totalAppointments": 10,
        "completedAppointments": 9,
        "cancelledAppointments": 1,
        "lastAppointmentDate": "2024-01-15T10:00:00Z",
        "nextAppointmentDate": "2024-02-01T14:00:00Z",
        "lastContactDate": "2024-01-20T09:00:00Z",
        "averageDaysBetweenVisits": 30,
        "isRepeatCustomer": true,
        "repeatCount": 8,
        "expectedNextVisit": "2024-02-15",
        "notes": "Prefers morning appointments",
        "preferences": [
            "preferredTime": "morning",
            "preferredServices": [
                "botox",
                "fillers",
            ],
        ],
        "treatmentHistory": [
            [
                "appointmentId": .string(apptID),
                "serviceName": "Botox Treatment",
                "clinicName": "Beauty Clinic",
                "date": "2024-01-15T10:00:00Z",
                "totalAmount": 150.0,
                "treatmentDetails": [:],
            ],
        ],
        "createdAt": "2023-03-01T08:30:00Z",
        "updatedAt": "2024-01-20T09:00:00Z",
    ]

    static let appointment: Example = [
        "id": .string(apptID),
        "customerId": .string(customerID),
        "serviceId": .string(serviceID),
        "serviceName": "Botox Treatment",
        "clinicId": .string(clinicID),
        "clinicName": "Beauty Clinic",
        "startTime": "2024-01-15T10:00:00Z",
        "endTime": nil,
        "status": "completed",
        "totalAmount": 150.0,
        "treatmentDetails": [:],
        "notes": nil,
        "createdBy": .string(adminID),
        "createdAt": "2024-01-02T11:00:00Z",
        "updatedAt": "2024-01-15T11:00:00Z",
    ]

    static let commRequest: Example = [
        "customerId": .string(customerID),
        "type": "call",
        "direction": "outgoing",
        "status": "completed",
        "subject": "Follow-up on treatment interest",
        "notes": "Customer confirmed booking for next week",
        "durationSeconds": 420,
    ]

    /// The logged call: the request as sent, with what the server adds.
    static let communication: Example = (["id": .string(commID)] as Example).merging(commRequest).merging([
        "scheduledAt": nil,
        "occurredAt": "2024-01-20T09:00:00Z",
        "metadata": [:],
        "loggedBy": .string(salesID),
        "createdAt": "2024-01-20T09:00:00.000Z",
        "updatedAt": "2024-01-20T09:00:00.000Z",
    ])

    static let actionRequest: Example = [
        "customerId": .string(customerID),
        "actionType": "follow_up",
        "title": "Confirm appointment",
        "description": "Call to confirm appointment 24 hours before",
        "status": "pending",
        "priority": "high",
        "dueDate": "2024-01-31T09:00:00Z",
    ]

    /// The created task: the request as sent, with what the server adds.
    static let action: Example = (["id": .string(actionID)] as Example).merging(actionRequest).merging([
        "relatedAppointmentId": nil,
        "relatedLeadId": nil,
        "metadata": [:],
        "assignedTo": .string(salesID),
        "createdBy": .string(salesID),
        "completedAt": nil,
        "isOverdue": false,
        "secondsUntilDue": 86400,
        "createdAt": "2024-01-30T09:00:00.000Z",
        "updatedAt": "2024-01-30T09:00:00.000Z",
        "customer": [
            "id": .string(customerID),
            "firstName": "John",
            "lastName": "Doe",
            "phone": "+41791234567",
        ],
    ])

    static let customerTag: Example = [
        "id": .string(attachID),
        "customerId": .string(customerID),
        "tag": [
            "id": .string(tagID),
            "name": "VIP",
            "color": "#FFD700",
            "description": "High-value client",
        ],
        "notes": "Spent over $5000 in last 6 months",
        "addedBy": .string(salesID),
        "createdAt": "2024-01-20T09:05:00Z",
    ]

    static let customer: Example = [
        "id": .string(customerID),
        "firstName": "John",
        "lastName": "Doe",
        "email": "john@example.com",
        "phone": "+41791234567",
        "dateOfBirth": nil,
        "assignedSalesId": .string(salesID),
        "createdAt": "2023-03-01T08:30:00Z",
        "updatedAt": "2023-03-01T08:30:00Z",
    ]

    static let recordView: Example = [
        "record": recordBlock,
        "customer": customer,
        "appointments": [
            appointment,
        ],
        "communications": [
            communication,
        ],
        "actions": [
            action,
        ],
        "tags": [
            customerTag,
        ],
        "summary": [
            "totalAppointments": 10,
            "completedAppointments": 9,
            "lifetimeValue": 1500.0,
            "lastAppointment": "2024-01-15T10:00:00Z",
            "nextAppointment": "2024-02-01T14:00:00Z",
            "isRepeatCustomer": true,
            "repeatCount": 8,
        ],
    ]

    static let repeatCustomers: Example = [
        [
            "id": .string(recordID),
            "customerId": .string(customerID),
            "customer": [
                "firstName": "John",
                "lastName": "Doe",
                "email": "john@example.com",
                "phone": nil,
            ],
            "repeatCount": 5,
            "lifetimeValue": 2500.0,
            "lastAppointmentDate": "2024-01-15T10:00:00Z",
            "expectedNextVisit": "2024-02-15",
            "completedAppointments": 6,
            "averageDaysBetweenVisits": 31,
            "assignedSalesId": .string(salesID),
        ],
    ]

    static let analytics: Example = [
        "salespersonId": .string(salesID),
        "period": [
            "startDate": "2024-01-01",
            "endDate": "2024-01-31",
        ],
        "communications": [
            "total": 150,
            "calls": 100,
            "missedCalls": 10,
            "emails": 50,
            "sms": 0,
            "whatsapp": 0,
            "meetings": 0,
            "notes": 0,
        ],
        "actions": [
            "total": 200,
            "pending": 25,
            "completed": 160,
            "missed": 15,
            "cancelled": 0,
            "overdue": 3,
        ],
        "customers": [
            "total": 75,
            "repeat": 30,
            "totalRevenue": 15000.0,
        ],
        "leads": [
            "total": 40,
            "converted": 10,
            "conversionRate": 0.25,
            "bySource": [
                "facebook_ads": 15,
                "google_ads": 10,
                "referral": 8,
                "walk_in": 2,
                "website": 5,
            ],
            "medianMinutesToFirstContact": 42.5,
        ],
    ]

    static let leadRequest: Example = [
        "source": "facebook_ads",
        "firstName": "Jane",
        "lastName": "Smith",
        "email": "jane@example.com",
        "phone": "+1234567890",
        "status": "new",
        "notes": "Interested in botox treatment",
        "estimatedValue": 500.0,
        "metadata": [:],
    ]

    /// The created lead: the request as sent, with what the server adds.
    static let lead: Example = (["id": .string(leadID)] as Example).merging(leadRequest).merging([
        "assignedSalesId": .string(salesID),
        "lostReason": nil,
        "convertedCustomerId": nil,
        "convertedAt": nil,
        "firstContactedAt": nil,
        "createdBy": .string(adminID),
        "createdAt": "2024-01-20T09:00:00Z",
        "updatedAt": "2024-01-20T09:00:00Z",
    ])

    static let commRequestFull: Example = [
        "customerId": .string(customerID),
        "type": "call",
        "direction": "outgoing",
        "status": "scheduled",
        "subject": "Follow-up call regarding next appointment",
        "notes": "Customer confirmed interest in new treatment",
        "durationSeconds": 300,
        "scheduledAt": "2024-01-20T10:00:00Z",
        "metadata": [:],
    ]

    static let actionRequestFull: Example = [
        "customerId": .string(customerID),
        "actionType": "phone_call",
        "title": "Follow-up call",
        "description": "Call customer to confirm next appointment",
        "status": "pending",
        "priority": "medium",
        "dueDate": "2024-01-25T10:00:00Z",
        "relatedAppointmentId": .string(apptID),
        "relatedLeadId": .string(leadID),
        "metadata": [
            "callOutcome": "interested",
            "nextSteps": "Schedule consultation",
        ],
    ]
}

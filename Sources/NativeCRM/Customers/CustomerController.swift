import OpenAPIKit
import Vapor

/// `POST/GET /crm/customers`, `GET/PATCH /crm/customers/:id` (record routes in `+Record`).
struct CustomerController {
    /// The list's filters (`GET /crm/customers` and its CSV export `GET /crm/customers.csv`).
    static let filterParameters = [
        Param.query("search", JSONSchema.string(maxLength: TextLimits.search),
                    "Case-insensitive substring of first name, last name, email or phone; a phone number matches "
                        + "with or without separators and typed nationally (`079 230 44 29` finds `+41 79 230 44 29`); "
                        + "at most \(TextLimits.search) characters."),
        Param.queryEnum("status", CustomerStatus.self, "Only customers whose record has this status."),
        Param.queryUUID("assignedSalesId", "Only customers of this salesperson."),
        Param.queryUUID("tagId", "Only customers carrying this tag."),
    ]

    private static let id = Param.path("id", "The customer's id.")

    var endpoints: [Endpoint] {
        [
            Endpoint(.POST, "/crm/customers", .everyone, "Create a customer (and its record)", use: create, .init(
                "createCustomer", tag: "Customers",
                "Creates the customer and its record (status `new`) together. A SALESPERSON's new customer is assigned to "
                    + "them unless the body names another salesperson. A customer with the same email or phone as others is "
                    + "still created; the 201 names them in `possibleDuplicates`.",
                body: CreateCustomerRequest.self,
                bodyExamples: Example.named(["customer": ("A customer", [
                    "firstName": "John", "lastName": "Doe", "email": "john@example.com", "phone": "+41 79 123 45 67",
                ])]),
                versioned: true,
                replies: [.created(CustomerResponse.Created.ref, "The created customer, with possible duplicates.")])),
            Endpoint(.GET, "/crm/customers", .everyone, "List and search customers", use: list, .init(
                "listCustomers", tag: "Customers", "Newest first; keyset-paged.",
                parameters: Self.filterParameters + Param.paging,
                replies: [.ok(CustomerResponse.ref, "A page of customers (bare array).", list: true)], errors: [400])),
            Endpoint(.GET, "/crm/customers/repeat", .everyone, "Repeat customers", use: repeatCustomers, .init(
                "listRepeatCustomers", tag: "Customers",
                "Customers with at least two completed visits, by repeat count then lifetime value (highest first).",
                parameters: [Param.queryUUID("assignedSalesId", "Only customers of this salesperson.")] + Param.paging,
                replies: [.ok(RepeatCustomerResponse.ref, "A page of repeat customers (bare array).", list: true,
                              examples: Example.named(["seed": ("Seed example", SeedExamples.repeatCustomers)]))],
                errors: [400])),
            Endpoint(.GET, "/crm/customers/follow-up", .everyone, "Customers due for follow-up", use: followUp, .init(
                "listFollowUpCustomers", tag: "Customers",
                "Customers whose last contact is more than `daysThreshold` × 24 h ago, never-contacted first, then the oldest "
                    + "contact. A SALESPERSON gets their own customers unless they pass `assignedSalesId`.",
                parameters: [
                    Param.query("daysThreshold", .integer(
                        maximum: (RetentionService.thresholdRange.upperBound, exclusive: false),
                        minimum: (RetentionService.thresholdRange.lowerBound, exclusive: false),
                        defaultValue: AnyCodable(RetentionService.defaultThreshold)),
                        "Days since the last contact, \(RetentionService.thresholdRange.lowerBound) to "
                            + "\(RetentionService.thresholdRange.upperBound) (default \(RetentionService.defaultThreshold))."),
                    Param.queryUUID("assignedSalesId", "Only customers of this salesperson."),
                ] + Param.paging,
                replies: [.ok(FollowUpCustomerResponse.ref, "A page of customers to contact (bare array).", list: true)],
                errors: [400])),
            Endpoint(.GET, "/crm/customers/{id}", .everyone, "One customer", use: show, .init(
                "getCustomer", tag: "Customers", parameters: [Self.id], versioned: true,
                replies: [.ok(CustomerResponse.ref, "The customer.")], errors: [400, 404])),
            Endpoint(.PATCH, "/crm/customers/{id}", .everyone, "Update a customer", use: update, .init(
                "updateCustomer", tag: "Customers",
                "Partial update. Only SECRETARIAT and ADMIN reassign a customer; a SALESPERSON may only claim an unassigned "
                    + "one (403 otherwise).",
                parameters: [Self.id], body: UpdateCustomerRequest.self,
                bodyExamples: Example.named(["phone": ("New phone", ["phone": "+41791234567"])]), versioned: true,
                replies: [.ok(CustomerResponse.ref, "The updated customer.")], errors: [403, 404])),
            Endpoint(.GET, "/crm/customers/{id}/record", .everyone, "Complete customer record", use: record, .init(
                "getCustomerRecord", tag: "Records",
                "The record with its derived statistics, the customer, the 100 most recent appointments and communications, "
                    + "up to 100 actions the caller may see, the customer's tags and a summary.",
                parameters: [Self.id], versioned: true,
                replies: [.ok(CustomerRecordResponse.ref, "The customer record.",
                              examples: Example.named(["seed": ("Seed example", SeedExamples.recordView)]))],
                errors: [400, 404])),
            Endpoint(.PUT, "/crm/customers/{id}/record", .everyone, "Update a customer record", use: updateRecord, .init(
                "updateCustomerRecord", tag: "Records",
                "Partial update of `customerStatus`, `notes` and `preferences` (merged shallowly). Sending a derived field "
                    + "is a 400 naming each such field, and nothing is written. Answers with the `record` block.",
                parameters: [Self.id], body: UpdateRecordRequest.self,
                bodyExamples: Example.named(["seed": ("Seed example", [
                    "customerStatus": "vip",
                    "notes": "High-value client, prefers premium services",
                    "preferences": ["preferredTime": "morning", "preferredServices": ["botox", "fillers"]],
                ])]),
                versioned: true,
                replies: [.ok(RecordResponse.ref, "The updated record block.")], errors: [404])),
            Endpoint(.GET, "/crm/customers/{id}/timeline", .everyone, "A customer's timeline", use: timeline, .init(
                "getCustomerTimeline", tag: "Records",
                "The customer's appointments, communications, the actions the caller may see and the other changes to the "
                    + "customer's data in one list, newest first by `at` (future appointments first); keyset-paged.",
                parameters: [Self.id] + Param.paging,
                replies: [.ok(TimelineItemResponse.ref, "A page of timeline items (bare array).", list: true)],
                errors: [400, 404])),
        ]
    }

    private func service(_ req: Request) -> CustomerService {
        CustomerService(db: req.db, clock: req.clock)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let input = try req.decodeInput(CreateCustomerRequest.self)
        let (customer, duplicates) = try await service(req).create(input, by: try req.caller)
        return try await CustomerResponse(customer, possibleDuplicates: duplicates)
            .response(version: customer.version, status: .created, for: req)
    }

    @Sendable func list(req: Request) async throws -> Response {
        try await service(req).list(try CustomerFilter(query: req), page: try PageRequest(from: req))
            .map { CustomerResponse($0) }.response(for: req)
    }

    @Sendable func show(req: Request) async throws -> Response {
        let customer = try await service(req).find(try req.parameters.uuid("id"))
        return try await CustomerResponse(customer).response(version: customer.version, for: req)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let id = try req.parameters.uuid("id")
        let expected = try IfMatch.version(req)
        let input = try req.decodeInput(UpdateCustomerRequest.self)
        let customer = try await service(req).update(id, input, expected: expected, by: try req.caller)
        return try await CustomerResponse(customer).response(version: customer.version, for: req)
    }
}

extension CustomerFilter {
    /// The filters of `GET /crm/customers` from the query string, each bad one a 400 naming it.
    init(query req: Request) throws {
        self.init(search: try QueryParameter.search(req),
                  status: try CustomerStatus.parse(req.query["status"], field: "status"),
                  assignedSalesID: try QueryParameter.uuid(req, "assignedSalesId"),
                  tagID: try QueryParameter.uuid(req, "tagId"))
    }
}

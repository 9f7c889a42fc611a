import Vapor

/// `POST/GET /crm/customers`, `GET/PATCH /crm/customers/:id` (record routes in `+Record`).
struct CustomerController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let customers = routes.grouped("customers")
        customers.post(use: create)
        customers.get(use: list)
        customers.get("repeat", use: repeatCustomers)
        customers.get("follow-up", use: followUp)
        customers.get(":id", use: show)
        customers.patch(":id", use: update)
        customers.get(":id", "record", use: record)
        customers.put(":id", "record", use: updateRecord)
        customers.get(":id", "timeline", use: timeline)
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
        let filter = CustomerFilter(
            search: try QueryParameter.search(req),
            status: try CustomerStatus.parse(req.query["status"], field: "status"),
            assignedSalesID: try QueryParameter.uuid(req, "assignedSalesId"),
            tagID: try QueryParameter.uuid(req, "tagId"))
        return try await service(req).list(filter, page: try PageRequest(from: req))
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

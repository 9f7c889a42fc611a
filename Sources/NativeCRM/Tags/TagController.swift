import Vapor

/// The tag catalogue (`/crm/tags`) and customer characterisation (`/crm/customers/:id/tags`,
/// `/crm/customer-tags/:id`, `/crm/tags/:tagId/customers`).
struct TagController {
    func reads(_ routes: any RoutesBuilder) {
        routes.get("tags", use: list)
        routes.get("tags", ":tagId", "customers", use: customers)
        routes.post("customers", ":id", "tags", use: attach)
        routes.delete("customer-tags", ":id", use: detach)
    }

    func catalogue(_ routes: any RoutesBuilder) {
        routes.post("tags", use: create)
        routes.patch("tags", ":tagId", use: update)
        routes.delete("tags", ":tagId", use: delete)
    }

    private func service(_ req: Request) -> TagService { TagService(db: req.db, clock: req.clock) }

    @Sendable func create(req: Request) async throws -> Response {
        let tag = try await service(req).create(try req.decodeInput(CreateTagRequest.self), by: try req.caller.actor)
        return try await TagResponse(tag).response(version: tag.version, status: .created, for: req)
    }

    @Sendable func list(req: Request) async throws -> Response {
        try await service(req).list(try PageRequest(from: req)).map(TagResponse.init).response(for: req)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let id = try req.parameters.uuid("tagId")
        let expected = try IfMatch.version(req)
        let input = try req.decodeInput(UpdateTagRequest.self)
        let tag = try await service(req).update(id, input, expected: expected, by: try req.caller.actor)
        return try await TagResponse(tag).response(version: tag.version, for: req)
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        try await service(req).delete(try req.parameters.uuid("tagId"), by: try req.caller.actor)
        return .noContent
    }

    @Sendable func attach(req: Request) async throws -> Response {
        let customerID = try req.parameters.uuid("id")
        let input = try req.decodeInput(AttachTagRequest.self)
        let attachment = try await service(req).attach(customerID: customerID, input, by: try req.caller)
        return try await attachment.encodeResponse(status: .created, for: req)
    }

    @Sendable func detach(req: Request) async throws -> HTTPStatus {
        try await service(req).detach(try req.parameters.uuid("id"), by: try req.caller.actor)
        return .noContent
    }

    @Sendable func customers(req: Request) async throws -> Response {
        let tagID = try req.parameters.uuid("tagId")
        return try await service(req).customers(withTag: tagID, page: try PageRequest(from: req))
            .map { CustomerResponse($0) }.response(for: req)
    }
}

import OpenAPIKit
import Vapor

/// The tag catalogue (`/crm/tags`) and customer characterisation (`/crm/customers/:id/tags`,
/// `/crm/customer-tags/:id`, `/crm/tags/:tagId/customers`).
struct TagController {
    private static let tagID = Param.path("tagId", "The tag's id.")

    /// Everyone reads the catalogue and tags customers; an ADMIN keeps the catalogue.
    var endpoints: [Endpoint] {
        [
            Endpoint(.GET, "/crm/tags", .everyone, "The tag catalogue", use: list, .init(
                "listTags", tag: "Tags", "By name; keyset-paged.", parameters: Param.paging,
                replies: [.ok(TagResponse.ref, "A page of tags (bare array).", list: true)], errors: [400])),
            Endpoint(.POST, "/crm/tags", .admin, "Create a tag", use: create, .init(
                "createTag", tag: "Tags", "Names are unique ignoring case (409 `duplicate-name`).", body: CreateTagRequest.self,
                bodyExamples: Example.named(["vip": ("VIP", ["name": "VIP", "color": "#FFD700", "description": "High-value client"])]),
                versioned: true,
                replies: [.created(TagResponse.ref, "The created tag.")], errors: [409])),
            Endpoint(.PATCH, "/crm/tags/{tagId}", .admin, "Rename or recolour a tag", use: update, .init(
                "updateTag", tag: "Tags", parameters: [Self.tagID], body: UpdateTagRequest.self,
                bodyExamples: Example.named(["recolour": ("Recolour", ["color": "#C0C0C0"])]), versioned: true,
                replies: [.ok(TagResponse.ref, "The updated tag.")], errors: [404, 409])),
            Endpoint(.DELETE, "/crm/tags/{tagId}", .admin, "Delete a tag and its attachments", use: delete, .init(
                "deleteTag", tag: "Tags", parameters: [Self.tagID], replies: [.noContent("Deleted.")], errors: [400, 404])),
            Endpoint(.GET, "/crm/tags/{tagId}/customers", .everyone, "Customers with a tag", use: customers, .init(
                "listTagCustomers", tag: "Tags", "Most recently tagged first; keyset-paged.",
                parameters: [Self.tagID] + Param.paging,
                replies: [.ok(CustomerResponse.ref, "A page of customers (bare array).", list: true)], errors: [400, 404])),
            Endpoint(.POST, "/crm/customers/{id}/tags", .everyone, "Tag a customer", use: attach, .init(
                "tagCustomer", tag: "Tags", "Attaching the same tag twice is a 409 (`duplicate-tag`).",
                parameters: [Param.path("id", "The customer's id.")], body: AttachTagRequest.self,
                bodyExamples: Example.named(["seed": ("Tagging a VIP customer (seed)", [
                    "tagId": .string(SeedExamples.tagID), "notes": "Spent over $5000 in last 6 months",
                ])]),
                replies: [.created(CustomerTagResponse.ref, "The attachment.",
                                   examples: Example.named(["seed": ("Tagged customer", SeedExamples.customerTag)]))],
                errors: [404, 409])),
            Endpoint(.DELETE, "/crm/customer-tags/{id}", .everyone, "Remove a tag from a customer", use: detach, .init(
                "untagCustomer", tag: "Tags", parameters: [Param.path("id", "The attachment's id (`id` of the CustomerTag).")],
                replies: [.noContent("Removed.")], errors: [400, 404])),
        ]
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

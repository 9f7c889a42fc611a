import Vapor

/// `POST/GET /crm/api-keys`, `DELETE /crm/api-keys/:id` (ADMIN, people only).
struct APIKeyController {
    var endpoints: [Endpoint] {
        [
            Endpoint(.POST, "/crm/api-keys", .admin, "Make an API key", use: create, .init(
                "createAPIKey", tag: "API keys",
                "A key for a machine (a website form, an ad platform's relay): it acts with `role`, or only on the endpoints "
                    + "of its `scopes`. The key is in this answer only; the CRM keeps its SHA-256.",
                body: CreateAPIKeyRequest.self,
                bodyExamples: Example.named(["intake": ("A website form's key", [
                    "name": "Website form", "role": "SECRETARIAT", "scopes": ["intake"],
                ])]),
                replies: [.created(CreatedAPIKeyResponse.ref, "The new key, shown once.")])).forPeopleOnly(),
            Endpoint(.GET, "/crm/api-keys", .admin, "List API keys", use: list, .init(
                "listAPIKeys", tag: "API keys", "Newest first, revoked keys included; keyset-paged.",
                parameters: Param.paging,
                replies: [.ok(APIKeyResponse.ref, "A page of keys (bare array).", list: true)], errors: [400])).forPeopleOnly(),
            Endpoint(.DELETE, "/crm/api-keys/{id}", .admin, "Revoke an API key", use: revoke, .init(
                "revokeAPIKey", tag: "API keys", "Effective at once on every instance; revoking a revoked key changes nothing.",
                parameters: [Param.path("id", "The key's id.")],
                replies: [.noContent("Revoked.")], errors: [400, 404])).forPeopleOnly(),
        ]
    }

    private func service(_ req: Request) -> APIKeyService { APIKeyService(db: req.db, clock: req.clock) }

    @Sendable func create(req: Request) async throws -> Response {
        let created = try await service(req).create(try req.decodeInput(CreateAPIKeyRequest.self), by: try req.caller.actor)
        return try await CreatedAPIKeyResponse(created).encodeResponse(for: req)
    }

    @Sendable func list(req: Request) async throws -> Response {
        try await service(req).list(try PageRequest(from: req)).map { APIKeyResponse($0.0, role: $0.1) }.response(for: req)
    }

    @Sendable func revoke(req: Request) async throws -> HTTPStatus {
        try await service(req).revoke(try req.parameters.uuid("id"), by: try req.caller.actor)
        return .noContent
    }
}

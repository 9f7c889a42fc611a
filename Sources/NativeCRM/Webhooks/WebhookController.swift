import Vapor

/// `/crm/webhooks` (ADMIN): outbound webhooks, their delivery logs and redelivery.
struct WebhookController {
    private static let id = Param.path("id", "The webhook's id.")

    var endpoints: [Endpoint] {
        [
            Endpoint(.POST, "/crm/webhooks", .admin, "Subscribe a URL to events", use: create, .init(
                "createWebhook", tag: "Webhooks",
                "Each event of the chosen types is POSTed to `url` as `{type, timestamp, data}` (`data`: the entity as the API "
                    + "shows it), signed the Standard Webhooks way: `webhook-id` (the event's id, the same on every attempt), "
                    + "`webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>` "
                    + "keyed with the secret's bytes. A 2xx answer delivers it; anything else, a redirect (never followed) or "
                    + "no answer within 10 s is retried after 1, 2, 4 … minutes, at most 24 h apart. Each entity's events "
                    + "arrive in order. A hook failing for 3 days is switched off and every ADMIN notified.",
                body: CreateWebhookRequest.self,
                bodyExamples: Example.named(["leads": ("New and converted leads", [
                    "url": "https://hooks.clinic.example/crm", "events": ["lead.created", "lead.converted"],
                    "description": "Marketing automation",
                ])]),
                replies: [.created(CreatedWebhookResponse.ref, "The new webhook, with its secret shown once.")],
                errors: [409])),
            Endpoint(.GET, "/crm/webhooks", .admin, "List webhooks", use: list, .init(
                "listWebhooks", tag: "Webhooks", "Newest first; keyset-paged.", parameters: Param.paging,
                replies: [.ok(WebhookResponse.ref, "A page of webhooks (bare array).", list: true)], errors: [400])),
            Endpoint(.GET, "/crm/webhooks/{id}", .admin, "One webhook", use: show, .init(
                "getWebhook", tag: "Webhooks", parameters: [Self.id],
                replies: [.ok(WebhookResponse.ref, "The webhook.")], errors: [400, 404])),
            Endpoint(.PATCH, "/crm/webhooks/{id}", .admin, "Change or switch a webhook on or off", use: update, .init(
                "updateWebhook", tag: "Webhooks", parameters: [Self.id], body: UpdateWebhookRequest.self,
                bodyExamples: Example.named(["on": ("Switch it on again", ["active": true])]),
                replies: [.ok(WebhookResponse.ref, "The updated webhook.")], errors: [404])),
            Endpoint(.DELETE, "/crm/webhooks/{id}", .admin, "Delete a webhook", use: delete, .init(
                "deleteWebhook", tag: "Webhooks", "Its waiting deliveries are dropped with it.", parameters: [Self.id],
                replies: [.noContent("Deleted.")], errors: [400, 404])),
            Endpoint(.GET, "/crm/webhooks/{id}/deliveries", .admin, "A webhook's delivery log", use: deliveries, .init(
                "listWebhookDeliveries", tag: "Webhooks",
                "Newest first; keyset-paged. Delivered entries are kept 30 days.",
                parameters: [Self.id, Param.queryEnum("status", WebhookDeliveryState.self, "Only this state.")] + Param.paging,
                replies: [.ok(WebhookDeliveryResponse.ref, "A page of deliveries (bare array).", list: true)], errors: [400, 404])),
            Endpoint(.POST, "/crm/webhooks/{id}/deliveries/{deliveryId}/redeliver", .admin, "Send a delivery again",
                     use: redeliver, .init(
                "redeliverWebhookDelivery", tag: "Webhooks",
                "Queued at once (after any earlier pending event of the same entity); 409 `webhook-inactive` while the hook is off.",
                parameters: [Self.id, Param.path("deliveryId", "The delivery's id.")],
                replies: [Endpoint.Reply(status: 202, description: "Queued.", schema: WebhookDeliveryResponse.ref)],
                errors: [400, 404, 409])),
        ]
    }

    private func service(_ req: Request) -> WebhookService {
        WebhookService(db: req.db, clock: req.clock, config: req.application.crmConfig.webhooks)
    }

    @Sendable func create(req: Request) async throws -> CreatedWebhookResponse {
        let created = try await service(req).create(try req.decodeInput(CreateWebhookRequest.self), by: try req.caller.actor)
        return CreatedWebhookResponse(shown: WebhookResponse(created.hook), secret: created.secret)
    }

    @Sendable func list(req: Request) async throws -> Response {
        try await service(req).list(try PageRequest(from: req)).map(WebhookResponse.init).response(for: req)
    }

    @Sendable func show(req: Request) async throws -> WebhookResponse {
        WebhookResponse(try await service(req).find(try req.parameters.uuid("id")))
    }

    @Sendable func update(req: Request) async throws -> WebhookResponse {
        let id = try req.parameters.uuid("id")
        let input = try req.decodeInput(UpdateWebhookRequest.self)
        return WebhookResponse(try await service(req).update(id, input, by: try req.caller.actor))
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        try await service(req).delete(try req.parameters.uuid("id"), by: try req.caller.actor)
        return .noContent
    }

    @Sendable func deliveries(req: Request) async throws -> Response {
        let state = try WebhookDeliveryState.parse(req.query["status"], field: "status")
        return try await service(req).deliveries(of: try req.parameters.uuid("id"), state: state, page: try PageRequest(from: req))
            .map(WebhookDeliveryResponse.init).response(for: req)
    }

    @Sendable func redeliver(req: Request) async throws -> Response {
        let delivery = try await service(req).redeliver(try req.parameters.uuid("deliveryId"), of: try req.parameters.uuid("id"),
                                                        by: try req.caller.actor)
        return try await WebhookDeliveryResponse(delivery).encodeResponse(status: .accepted, for: req)
    }
}

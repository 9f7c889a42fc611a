import Vapor

/// `GET /crm/notifications`, `POST /crm/notifications/:id/read`, `POST /crm/notifications/read-all`,
/// and the live stream `GET /crm/notifications/stream` with its tickets (in `+Stream`). Always the
/// caller's own.
struct NotificationController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let notifications = routes.grouped("notifications")
        notifications.get(use: list)
        notifications.post("read-all", use: readAll)
        notifications.post(":id", "read", use: read)
    }

    /// The stream, on a group that also signs in by `?ticket=`.
    func stream(_ routes: any RoutesBuilder) {
        routes.get("notifications", "stream", use: stream)
    }

    /// The ticket, on a group without `Idempotency-Key`: a replay would keep the ticket in clear.
    func streamTicket(_ routes: any RoutesBuilder) {
        routes.post("notifications", "stream-ticket", use: streamTicket)
    }

    private func service(_ req: Request) -> NotificationService {
        NotificationService(db: req.db, clock: req.clock)
    }

    @Sendable func list(req: Request) async throws -> Response {
        let unread = try QueryParameter.bool(req, "unread") ?? false
        return try await service(req).inbox(of: try req.caller.id, unreadOnly: unread, page: try PageRequest(from: req))
            .map(NotificationResponse.init).response(for: req)
    }

    @Sendable func read(req: Request) async throws -> NotificationResponse {
        try req.refuseBodyFields()
        return NotificationResponse(try await service(req).markRead(try req.parameters.uuid("id"), by: try req.caller.id))
    }

    @Sendable func readAll(req: Request) async throws -> ReadAllResponse {
        try req.refuseBodyFields()
        return ReadAllResponse(updated: try await service(req).markAllRead(by: try req.caller.id))
    }
}

import OpenAPIKit
import Vapor

/// `GET /crm/notifications`, `POST /crm/notifications/:id/read`, `POST /crm/notifications/read-all`,
/// and the live stream `GET /crm/notifications/stream` with its tickets (in `+Stream`). Always the
/// caller's own.
struct NotificationController {
    var endpoints: [Endpoint] {
        [
            Endpoint(.GET, "/crm/notifications", .everyone, "The caller's notifications", use: list, .init(
                "listNotifications", tag: "Notifications", "Newest first; keyset-paged.",
                parameters: [Param.query("unread", Param.boolean, "Only unread ones when true.")] + Param.paging,
                replies: [.ok(NotificationResponse.ref, "A page of notifications (bare array).", list: true)], errors: [400])),
            Endpoint(.GET, "/crm/notifications/stream", .everyone, "Live notifications (Server-Sent Events)", use: stream, .init(
                "streamNotifications", tag: "Notifications",
                "An endless `text/event-stream`: `retry: 2000`, then one `notification` event per new inbox entry (`data:` "
                    + "is a Notification as JSON, `id:` a cursor to send back as `Last-Event-ID`), and a `: ping` comment "
                    + "every ~10 s. Each second the session is re-checked: when the token expires or is logged out, the user "
                    + "is deactivated or changes password, or a sixth stream of the user opens (at most 5; the oldest goes), "
                    + "an `error` event names the reason and the stream ends.",
                parameters: [
                    OpenAPI.Parameter(
                        name: "Last-Event-ID", context: .header(required: false, schema: Schema.string),
                        description: "The `id:` of the last event received, to get what was missed; an unreadable value is ignored."),
                    Param.query("ticket", .string(minLength: StreamTickets.presentedLength.lowerBound, maxLength: StreamTickets.presentedLength.upperBound),
                                "Instead of `Authorization` (a browser's `EventSource` cannot send it): a ticket from "
                                    + "`POST /crm/notifications/stream-ticket`. Single use, valid 60 s; a used, expired or "
                                    + "unknown ticket, or one of another user than the bearer token, is 401."),
                ],
                replies: [.ok(NotificationEvent.ref, "The event stream.", media: "text/event-stream")]))
            .signedIn(alsoBy: StreamTicketAuthenticator()).forPeopleOnly(),
            // A replay would keep the ticket in clear: no `Idempotency-Key`.
            Endpoint(.POST, "/crm/notifications/stream-ticket", .everyone, "A ticket to open the stream", use: streamTicket, .init(
                "createStreamTicket", tag: "Notifications",
                "A single-use ticket for `GET /crm/notifications/stream?ticket=` (for browsers, whose `EventSource` sends "
                    + "no `Authorization`). It stands for the caller's session: the stream ends when the token would.",
                replies: [.created(StreamTickets.Issued.ref, "The ticket (shown once).")]))
            .withoutIdempotency().forPeopleOnly(),
            Endpoint(.POST, "/crm/notifications/read-all", .everyone, "Mark all notifications read", use: readAll, .init(
                "markAllNotificationsRead", tag: "Notifications",
                replies: [.ok(ReadAllResponse.ref, "How many were marked read.")])),
            Endpoint(.POST, "/crm/notifications/{id}/read", .everyone, "Mark one notification read", use: read, .init(
                "markNotificationRead", tag: "Notifications", "Another user's notification answers 404.",
                parameters: [Param.path("id", "The notification's id.")],
                replies: [.ok(NotificationResponse.ref, "The notification, now read.")], errors: [400, 404])),
        ]
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

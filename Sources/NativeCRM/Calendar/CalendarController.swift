import OpenAPIKit
import Vapor

/// `POST/DELETE /crm/calendar-feed` (the caller's own feed) and `GET /calendar/{token}` (the feed).
struct CalendarController {
    var endpoints: [Endpoint] {
        [
            // A replay would keep the feed's URL in clear: no `Idempotency-Key`.
            Endpoint(.POST, "/crm/calendar-feed", .everyone, "Make your private calendar feed", use: create, .init(
                "createCalendarFeed", tag: "Calendar",
                "A private iCalendar URL (a random token in the path) for Google or Apple Calendar: your pending actions "
                    + "with due dates (VTODO) and, for a customer's salesperson and the front desk, the upcoming appointments "
                    + "(VEVENT) — the customer's name and the clinic, no treatment or notes. Making a new one ends the old URL.",
                replies: [.created(CalendarFeedService.Created.ref, "The feed's URL (shown once).")]))
            .withoutIdempotency().forPeopleOnly(),
            Endpoint(.DELETE, "/crm/calendar-feed", .everyone, "Revoke your calendar feed", use: revoke, .init(
                "revokeCalendarFeed", tag: "Calendar", "The URL stops working at once; without a feed nothing changes.",
                replies: [.noContent("Revoked.")])).forPeopleOnly(),
            Endpoint(.GET, "/calendar/{token}", .anyone, "A calendar feed", use: feed, .init(
                "getCalendarFeed", tag: "Calendar",
                "RFC 5545 text (`text/calendar`), times in UTC, stable `UID`s. The token is the secret: an unknown or "
                    + "revoked one, or a deactivated user's, is 404.",
                parameters: [Param.path("token", "The feed's token, as in its URL (ending in `.ics`).")],
                replies: [.ok(Schema.string, "The calendar.", media: "text/calendar")], errors: [404])),
        ]
    }

    private func service(_ req: Request) -> CalendarFeedService { CalendarFeedService(db: req.db, clock: req.clock) }

    @Sendable func create(req: Request) async throws -> Response {
        try req.refuseBodyFields()
        let created = try await service(req).create(for: try req.caller.id, baseURL: Self.baseURL(req))
        return try await created.encodeResponse(status: .created, for: req)
    }

    @Sendable func revoke(req: Request) async throws -> HTTPStatus {
        try await service(req).revoke(for: try req.caller.id)
        return .noContent
    }

    @Sendable func feed(req: Request) async throws -> Response {
        guard let token = req.parameters.get("token"), let text = try await service(req).render(token: token) else {
            throw APIError.notFound("Calendar feed")
        }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/calendar; charset=utf-8")
        headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }

    /// `CRM_PUBLIC_URL`, else `http://` and the request's `Host` when it is a plain host name.
    static func baseURL(_ req: Request) -> String {
        if let configured = req.application.crmConfig.publicURL { return configured }
        let host = req.headers.first(name: .host) ?? ""
        let plain = !host.isEmpty && host.count <= 255
            && host.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0)) }
        return "http://" + (plain ? host : "localhost")
    }
}

extension CalendarFeedService.Created: Documented {
    static let schemaName = "CalendarFeed"
    static var schema: JSONSchema {
        Schema.response([
            "url": Schema.string.described("Subscribe to this URL; it is the secret (`CRM_PUBLIC_URL` sets its base)."),
            "createdAt": Schema.dateTime,
        ])
    }
}

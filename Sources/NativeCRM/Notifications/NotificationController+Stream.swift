import Vapor

extension NotificationController {
    /// `GET /crm/notifications/stream`: Server-Sent Events (`NotificationStream`). Authenticated by a
    /// bearer token or a `?ticket=`; `Last-Event-ID` resumes after the cursor a client got as `id:`.
    @Sendable func stream(req: Request) async throws -> Response {
        let caller = try req.caller
        guard let session = caller.session else { throw APIError.unauthorized }
        let resume = req.headers.first(name: "Last-Event-ID").flatMap { Cursor(encoded: $0) }
        let fanout = req.application.notificationFanout
        fanout.watch(req.application.running)
        let write = try await NotificationStream(db: req.db, clock: req.clock, fanout: fanout)
            .open(for: caller.id, session: session, resumingAfter: resume, app: req.application,
                  hangUp: req.application.openConnections.closeFuture(of: req.remoteAddress))
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "event-stream", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        return Response(status: .ok, headers: headers, body: Response.Body(managedAsyncStream: write))
    }

    /// `POST /crm/notifications/stream-ticket`: a single-use ticket for `?ticket=` (browsers' `EventSource`
    /// cannot send `Authorization`), valid 60 s, standing for the caller's session.
    @Sendable func streamTicket(req: Request) async throws -> Response {
        try req.refuseBodyFields()
        let caller = try req.caller
        guard let session = caller.session else { throw APIError.unauthorized }
        let ticket = try await StreamTickets(db: req.db, clock: req.clock).issue(for: caller.id, session: session)
        return try await ticket.encodeResponse(status: .created, for: req)
    }
}

import NIOConcurrencyHelpers
import Vapor

extension NotificationController {
    /// How many rows of the caller's own backlog a resuming stream reads at a time.
    static let backlogPage = 200

    /// `GET /crm/notifications/stream`: Server-Sent Events, one `notification` event per new inbox entry,
    /// `id:` = a cursor a client sends back as `Last-Event-ID` to get what it missed. A resuming stream
    /// first pages its user's notifications after that cursor, then takes new ones from the instance's
    /// fan-out (`NotificationFanout`), which reads each new notification once for all streams. When the
    /// session no longer holds, an `error` event names the reason and the stream ends; a client that
    /// hangs up ends its stream at once. Authenticated by a bearer token or a `?ticket=`.
    @Sendable func stream(req: Request) async throws -> Response {
        let caller = try req.caller
        guard let session = caller.session else { throw APIError.unauthorized }
        let userID = caller.id
        let resume = req.headers.first(name: "Last-Event-ID").flatMap { Cursor(encoded: $0) }
        let start: (Date, UUID?)
        if let resume, let time = try? resume.date(at: 0), let id = try? resume.uuid(at: 1) {
            start = (time, id)
        } else {
            start = (req.clock.now, nil)
        }
        let db = req.db
        let sessions = StreamSessions(db: db, clock: req.clock)
        let streamID = try await sessions.open(for: userID)
        let fanout = req.application.notificationFanout
        fanout.watch(req.application.running)
        // Subscribed before the backlog is read, so nothing created meanwhile falls between the two.
        let signals = fanout.subscribe(stream: streamID, userID: userID, session: session, app: req.application)
        let hangUp = req.application.openConnections.closeFuture(of: req.remoteAddress)

        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "event-stream", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        let body = Response.Body(managedAsyncStream: { writer in
            // A hang-up cancels the work (and its waits) at once; the app's shutdown waits for it, so
            // no query of a stream outlives the database.
            let work = Task {
                do {
                    try await writer.writeBuffer(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
                    var sent = RecentIDs()
                    var cursor = start
                    while true {
                        let rows = try await NotificationFanout.created(after: cursor, userID: userID, on: db)
                        let items = try rows.map(StreamedNotification.init)
                        if let last = items.last { cursor = (last.createdAt, last.id) }
                        try await Self.write(items, to: writer, unless: &sent)
                        if rows.count < Self.backlogPage { break }
                    }
                    for await signal in signals {
                        switch signal {
                        case let .notifications(items): try await Self.write(items, to: writer, unless: &sent)
                        case .ping: try await writer.writeBuffer(ByteBuffer(string: ": ping\n\n"))
                        case let .end(reason):
                            try await writer.writeBuffer(ByteBuffer(string: Self.errorEvent(reason)))
                            return
                        }
                    }
                } catch {}
                fanout.unsubscribe(stream: streamID)
                try? await sessions.close(stream: streamID)
            }
            fanout.track(work)
            hangUp?.whenComplete { _ in work.cancel() }
            await withTaskCancellationHandler { await work.value } onCancel: { work.cancel() }
        })
        return Response(status: .ok, headers: headers, body: body)
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

    private static func write(_ items: [StreamedNotification], to writer: any AsyncBodyStreamWriter,
                              unless sent: inout RecentIDs) async throws {
        var output = ""
        for item in items where sent.insert(item.id) { output += item.event }
        if !output.isEmpty { try await writer.writeBuffer(ByteBuffer(string: output)) }
    }

    private static func errorEvent(_ reason: StreamSessions.EndReason) -> String {
        let json = #"{"reason":"\#(reason.rawValue)","detail":"\#(reason.detail)"}"#
        return "event: error\ndata: \(json)\n\n"
    }
}

/// The ids a stream sent lately, so a notification reaching it twice (its backlog and the fan-out
/// overlap) is sent once. Bounded: the oldest are forgotten past `limit`.
struct RecentIDs {
    private var set = Set<UUID>()
    private var order: [UUID] = []
    private let limit = 5_000

    /// True when `id` was not sent yet (and is now remembered).
    mutating func insert(_ id: UUID) -> Bool {
        guard set.insert(id).inserted else { return false }
        order.append(id)
        if order.count > limit {
            let forget = order.count - limit
            order[..<forget].forEach { set.remove($0) }
            order.removeFirst(forget)
        }
        return true
    }
}

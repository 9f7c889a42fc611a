import Fluent
import Vapor

/// One open stream of a user's notifications, as Server-Sent Events: one `notification` event per new
/// inbox entry, `id:` = a cursor a client sends back as `Last-Event-ID` to get what it missed. A
/// resuming stream first pages its user's notifications after that cursor, then takes new ones from
/// the instance's fan-out (`NotificationFanout`), which reads each new notification once for all
/// streams. When the session no longer holds, an `error` event names the reason and the stream ends;
/// a client that hangs up ends its stream at once.
struct NotificationStream: Sendable {
    let db: any Database
    let clock: CRMClock
    let fanout: NotificationFanout

    /// How many rows of the caller's own backlog a resuming stream reads at a time.
    static let backlogPage = 200

    /// Registers the stream (at most `StreamSessions` allows per user) and subscribes it to the fan-out
    /// before its backlog is read, so nothing created meanwhile falls between the two. Returns what
    /// writes the events into the response body.
    func open(for userID: UUID, session: AuthenticatedUser.Session, resumingAfter resume: Cursor?, app: Application,
              hangUp: EventLoopFuture<Void>?) async throws -> @Sendable (any AsyncBodyStreamWriter) async throws -> Void {
        let start: (Date, UUID?)
        if let resume, let time = try? resume.date(at: 0), let id = try? resume.uuid(at: 1) {
            start = (time, id)
        } else {
            start = (clock.now, nil)
        }
        let db = self.db
        let fanout = self.fanout
        let sessions = StreamSessions(db: db, clock: clock)
        let streamID = try await sessions.open(for: userID)
        let signals = fanout.subscribe(stream: streamID, userID: userID, session: session, app: app)
        await fanout.waitUntilReading()
        return { writer in
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
        }
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

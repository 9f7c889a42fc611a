import NIOConcurrencyHelpers
import Vapor

extension NotificationController {
    /// How often a stream looks for new notifications; they reach the client within about this long.
    static let pollInterval: Duration = .milliseconds(400)
    /// Rows committed late (by another instance, or a slower transaction) are still found: each poll
    /// re-reads this far back and skips what it already sent.
    static let lookback: TimeInterval = 10
    static let heartbeatEvery = 25

    /// `GET /crm/notifications/stream`: Server-Sent Events, one `notification` event per new inbox entry,
    /// `id:` = a cursor a client sends back as `Last-Event-ID` to get what it missed. Fed by polling the
    /// table, so a notification stored by any instance reaches a stream held by any other. Every poll
    /// re-checks the session (`StreamSessions.check`); when it no longer holds, an `error` event names
    /// the reason and the stream ends. A client that hangs up ends its loop at once.
    @Sendable func stream(req: Request) async throws -> Response {
        let caller = try req.caller
        guard let session = caller.session else { throw APIError.unauthorized }
        let userID = caller.id
        let resume = req.headers.first(name: "Last-Event-ID").flatMap { Cursor(encoded: $0) }
        let start: (time: Date, id: UUID?)
        if let resume, let time = try? resume.date(at: 0), let id = try? resume.uuid(at: 1) {
            start = (time, id)
        } else {
            start = (req.clock.now, nil)
        }
        let service = NotificationService(db: req.db, clock: req.clock)
        let sessions = StreamSessions(db: req.db, clock: req.clock)
        let streamID = try await sessions.open(for: userID)
        let streams = req.application.notificationStreams
        streams.watch(req.application.running)
        let hangUp = req.application.openConnections.closeFuture(of: req.remoteAddress)

        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "event-stream", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        let body = Response.Body(managedAsyncStream: { writer in
            try await writer.writeBuffer(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
            // A hang-up cancels the loop (and its sleep) at once; the app's shutdown waits for it, so no
            // query of a stream outlives the database.
            let work = Task {
                do {
                    try await loop()
                } catch {}
                try? await sessions.close(stream: streamID)
            }
            streams.track(work)
            hangUp?.whenComplete { _ in work.cancel() }
            await work.value

            @Sendable func loop() async throws {
                var sent = Set<UUID>()
                var since = start.time
                var resumeAfter = start.id.map { (start.time, $0) }
                var idle = 0
                while !streams.isClosed && !Task.isCancelled {
                    if let reason = try await sessions.check(stream: streamID, userID: userID, session: session) {
                        try await writer.writeBuffer(ByteBuffer(string: Self.errorEvent(reason)))
                        return
                    }
                    let rows = try await service.created(for: userID, since: since.addingTimeInterval(-Self.lookback), limit: 200)
                    var output = ""
                    for row in rows where !sent.contains(row.id!) {
                        if let (time, id) = resumeAfter, (row.createdAt, row.id!.uuidString) <= (time, id.uuidString) {
                            continue  // delivered before the client reconnected
                        }
                        sent.insert(row.id!)
                        since = max(since, row.createdAt)
                        output += try Self.event(for: row)
                    }
                    if !output.isEmpty {
                        try await writer.writeBuffer(ByteBuffer(string: output))
                        idle = 0
                    } else {
                        idle += 1
                        if idle >= Self.heartbeatEvery {
                            try await writer.writeBuffer(ByteBuffer(string: ": ping\n\n"))
                            idle = 0
                        }
                    }
                    if resumeAfter != nil, since > start.time.addingTimeInterval(Self.lookback) { resumeAfter = nil }
                    sent = sent.count > 5_000 ? Set(rows.compactMap(\.id)) : sent
                    try await Task.sleep(for: Self.pollInterval)
                }
            }
        })
        return Response(status: .ok, headers: headers, body: body)
    }

    private static func errorEvent(_ reason: StreamSessions.EndReason) -> String {
        let json = #"{"reason":"\#(reason.rawValue)","detail":"\#(reason.detail)"}"#
        return "event: error\ndata: \(json)\n\n"
    }

    private static func event(for row: InboxNotification) throws -> String {
        let json = String(decoding: try JSONCoding.encoder.encode(NotificationResponse(row)), as: UTF8.self)
        let id = Cursor([Cursor.timestamp(row.createdAt), row.id!.uuidString]).encoded
        return "id: \(id)\nevent: notification\ndata: \(json)\n\n"
    }
}

/// The open streams' off switch: closed when the server is asked to stop (or the app shuts down), so a
/// graceful shutdown does not wait on clients that never hang up. The app's shutdown also waits for
/// every stream's last queries, before the database closes.
final class NotificationStreams: LifecycleHandler, Sendable {
    private let closed = NIOLockedValueBox(false)
    private let watching = NIOLockedValueBox(false)
    private let running = NIOLockedValueBox<Set<Task<Void, Never>>>([])

    var isClosed: Bool { closed.withLockedValue { $0 } }

    func close() { closed.withLockedValue { $0 = true } }

    /// Closes the streams when `running` stops (the serve command's SIGTERM/SIGINT path).
    func watch(_ running: Application.Running?) {
        guard let running, watching.withLockedValue({ old in defer { old = true }; return !old }) else { return }
        running.onStop.whenComplete { [self] _ in close() }
    }

    /// Keeps `task` (a stream's work) until it ends, so shutdown can wait for it.
    func track(_ task: Task<Void, Never>) {
        running.withLockedValue { _ = $0.insert(task) }
        Task { [self] in
            await task.value
            running.withLockedValue { _ = $0.remove(task) }
        }
    }

    func shutdownAsync(_ application: Application) async {
        close()
        let tasks = running.withLockedValue { Array($0) }
        for task in tasks {
            task.cancel()
            await task.value
        }
    }

    func shutdown(_ application: Application) {
        close()
        running.withLockedValue { $0.forEach { $0.cancel() } }
    }
}

extension Application {
    private struct StreamsKey: StorageKey { typealias Value = NotificationStreams }

    /// Set up once in `configure`.
    var notificationStreams: NotificationStreams {
        get { storage[StreamsKey.self]! }
        set { storage[StreamsKey.self] = newValue }
    }
}

import Fluent
import NIOConcurrencyHelpers
import PostgresNIO
import SQLKit
import Vapor

/// One reader of new notifications per instance, feeding every open stream of that instance:
/// - on PostgreSQL it `LISTEN`s on `crm_notifications_<schema>` (a trigger announces each new
///   notification's id at commit, whatever instance wrote it) and reads the announced rows by id, in
///   batches; after a reconnect it catches up by reading what was created since, a little before the
///   last row it saw;
/// - on SQLite (one process) it pages new rows on a `(created_at, id)` cursor every `pollInterval`
///   (the write lane commits them in that order).
/// Every `sessionCheckInterval` it re-checks the sessions of all its streams in a bounded number of
/// statements (`StreamSessions.check`), and sends a heartbeat now and then. Its work does not grow with
/// the number of streams: one reader and one checker, whatever it serves.
final class NotificationFanout: LifecycleHandler, Sendable {
    static let pollInterval: Duration = .milliseconds(400)
    static let sessionCheckInterval: Duration = .seconds(1)
    static let heartbeatInterval: Duration = .seconds(10)
    static let batchSize = 500
    /// How far before the last row seen a reconnected listener reads again (rows of transactions that
    /// committed while it was away).
    static let catchUpLookback: TimeInterval = 10

    /// What a stream receives.
    enum Signal: Sendable {
        case notifications([StreamedNotification])
        case ping
        case end(StreamSessions.EndReason)
    }

    private struct Subscriber {
        let userID: UUID
        let session: AuthenticatedUser.Session
        let continuation: AsyncStream<Signal>.Continuation
    }

    private struct State {
        var subscribers: [UUID: Subscriber] = [:]
        var started = false
        /// The reader takes new notifications now (PostgreSQL: its LISTEN is in place).
        var reading = false
        var closed = false
        var tasks: [Task<Void, Never>] = []
        var streamTasks: Set<Task<Void, Never>> = []
        /// PostgreSQL: ids announced and not yet read.
        var announced: [UUID] = []
    }

    /// Names this fan-out's log lines (and so its statements), `fanout-id`.
    let id = UUID()
    private let state = NIOLockedValueBox(State())
    private let wake = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)
    private let watching = NIOLockedValueBox(false)

    // MARK: Streams

    var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// Registers a stream; its signals end when it is unsubscribed or the fan-out closes.
    func subscribe(stream id: UUID, userID: UUID, session: AuthenticatedUser.Session, app: Application) -> AsyncStream<Signal> {
        let (signals, continuation) = AsyncStream<Signal>.makeStream(bufferingPolicy: .unbounded)
        let startNow = state.withLockedValue { state -> Bool in
            guard !state.closed else { return false }
            state.subscribers[id] = Subscriber(userID: userID, session: session, continuation: continuation)
            defer { state.started = true }
            return !state.started
        }
        if isClosed { continuation.finish() }
        if startNow { start(app) }
        return signals
    }

    /// Waits (at most `timeout`) until the reader takes new notifications, so a stream that has just
    /// opened gets what is written from then on at once, not after the listener's connection comes up.
    func waitUntilReading(timeout: Duration = .seconds(3)) async {
        let deadline = ContinuousClock.now + timeout
        while !state.withLockedValue({ $0.reading || $0.closed }), ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func setReading(_ value: Bool) { state.withLockedValue { $0.reading = value } }

    func unsubscribe(stream id: UUID) {
        let subscriber = state.withLockedValue { $0.subscribers.removeValue(forKey: id) }
        subscriber?.continuation.finish()
    }

    /// Keeps `task` (a stream's work) until it ends, so shutdown can wait for its last queries.
    func track(_ task: Task<Void, Never>) {
        state.withLockedValue { _ = $0.streamTasks.insert(task) }
        Task { [self] in
            await task.value
            state.withLockedValue { _ = $0.streamTasks.remove(task) }
        }
    }

    /// Ends every stream (the server is stopping); what the streams still do is awaited on shutdown.
    func close() {
        let subscribers = state.withLockedValue { state -> [Subscriber] in
            state.closed = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        subscribers.forEach { $0.continuation.finish() }
        wakeReader()
    }

    /// Closes the streams when `running` stops (the serve command's SIGTERM/SIGINT path).
    func watch(_ running: Application.Running?) {
        guard let running, watching.withLockedValue({ old in defer { old = true }; return !old }) else { return }
        running.onStop.whenComplete { [self] _ in close() }
    }

    func shutdownAsync(_ application: Application) async {
        close()
        let (tasks, streams) = state.withLockedValue { ($0.tasks, Array($0.streamTasks)) }
        for task in streams + tasks {
            task.cancel()
            await task.value
        }
    }

    func shutdown(_ application: Application) {
        close()
        state.withLockedValue { state in (state.tasks + state.streamTasks).forEach { $0.cancel() } }
    }

    // MARK: The reader and the checker

    private func start(_ app: Application) {
        var logger = app.logger
        logger[metadataKey: "component"] = "notification-fanout"
        logger[metadataKey: "fanout-id"] = .string(id.uuidString)
        let db = app.databases.database(logger: logger, on: app.eventLoopGroup.any())!
        let sessions = StreamSessions(db: db, clock: app.clock)
        let target = app.crmConfig.database
        let checker = Task { [self] in await checkSessions(sessions, logger: logger) }
        let reader: Task<Void, Never>
        if case let .postgres(url, searchPath) = target {
            let startedAt = app.clock.now  // before any stream of this fan-out read its backlog
            reader = Task { [self] in await listen(url: url, searchPath: searchPath, db: db, startedAt: startedAt, logger: logger) }
        } else {
            reader = Task { [self] in await poll(db: db, clock: app.clock, logger: logger) }
        }
        state.withLockedValue { $0.tasks += [checker, reader] }
    }

    /// SQLite: new rows after the cursor, page by page, every `pollInterval`.
    private func poll(db: any Database, clock: CRMClock, logger: Logger) async {
        var cursor = (try? await Self.latest(on: db)) ?? (clock.now, nil)
        setReading(true)
        while !isClosed && !Task.isCancelled {
            do {
                while true {
                    let rows = try await Self.created(after: cursor, on: db)
                    if let last = rows.last { cursor = (last.createdAt, last.id) }
                    dispatch(rows)
                    if rows.count < Self.batchSize { break }
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("notification fan-out read failed", metadata: ErrorSummary(error).metadata)
            }
            try? await Task.sleep(for: Self.pollInterval)
        }
    }

    /// PostgreSQL: `LISTEN` on a connection of its own; reconnects (and catches up) when it drops.
    private func listen(url: String, searchPath: String?, db: any Database, startedAt: Date, logger: Logger) async {
        let seen = NIOLockedValueBox(startedAt)
        let reader = Task { [self] in
            await readAnnounced(db: db, lastSeen: { time in seen.withLockedValue { $0 = max($0, time) } })
        }
        defer { reader.cancel() }
        var reconnecting = false
        while !isClosed && !Task.isCancelled {
            do {
                let connection = try await DatabaseSetup.dedicatedConnection(url: url, logger: logger)
                defer { Task { try? await connection.close() } }
                if let searchPath {
                    try await connection.query("SELECT set_config('search_path', \(searchPath), false)", logger: logger)
                }
                let schema = try await connection.query("SELECT current_schema() AS name", logger: logger)
                    .collect().first?.decode(String.self) ?? "public"
                let notifications = try await connection.listen("crm_notifications_" + schema)
                setReading(true)
                do {
                    // What committed while no one listened: since the fan-out started (it starts with the
                    // first stream, whose own backlog read covers what came before), or after a reconnect
                    // from a little before the last row seen. Streams skip what they already sent.
                    let from = reconnecting ? seen.withLockedValue { $0 }.addingTimeInterval(-Self.catchUpLookback) : startedAt
                    var cursor: (Date, UUID?) = (from, nil)
                    while true {
                        let rows = try await Self.created(after: cursor, on: db)
                        if let last = rows.last { cursor = (last.createdAt, last.id) }
                        dispatch(rows)
                        if rows.count < Self.batchSize { break }
                    }
                }
                reconnecting = true
                for try await notification in notifications {
                    if isClosed { break }
                    if let id = UUID(uuidString: notification.payload) { announce(id) }
                }
            } catch is CancellationError {
                return
            } catch {
                if isClosed || Task.isCancelled { return }
                setReading(false)
                logger.warning("notification listener lost its connection; reconnecting", metadata: ErrorSummary(error).metadata)
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    private func announce(_ id: UUID) {
        state.withLockedValue { $0.announced.append(id) }
        wakeReader()
    }

    private func wakeReader() {
        wake.withLockedValue { continuation in
            continuation?.resume()
            continuation = nil
        }
    }

    /// Reads announced ids in batches (a burst of 1,000 in one transaction is two reads). A transaction's
    /// announcements arrive together at its commit: the reader waits until they stop coming (15 ms of
    /// quiet, at most 300 ms) and sends the whole burst in (created_at, id) order.
    private func readAnnounced(db: any Database, lastSeen: @escaping @Sendable (Date) -> Void) async {
        while !isClosed && !Task.isCancelled {
            var pending = state.withLockedValue { $0.announced.count }
            for _ in 0..<20 where pending > 0 {
                try? await Task.sleep(for: .milliseconds(15))
                let now = state.withLockedValue { $0.announced.count }
                if now == pending { break }
                pending = now
            }
            let ids = state.withLockedValue { state -> [UUID] in
                defer { state.announced.removeAll(keepingCapacity: true) }
                return state.announced
            }
            if ids.isEmpty {
                await withCheckedContinuation { continuation in
                    let ready = wake.withLockedValue { slot -> Bool in
                        if !state.withLockedValue({ $0.announced.isEmpty || $0.closed }) { return true }
                        slot = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
                continue
            }
            var rows: [InboxNotification] = []
            for start in stride(from: 0, to: ids.count, by: Self.batchSize) {
                let chunk = Array(ids[start..<min(start + Self.batchSize, ids.count)])
                if let found = try? await InboxNotification.query(on: db).filter(\.$id ~~ chunk).all() { rows += found }
            }
            rows.sort { ($0.createdAt, $0.id!.uuidString) < ($1.createdAt, $1.id!.uuidString) }
            if let last = rows.last { lastSeen(last.createdAt) }
            dispatch(rows)
        }
    }

    /// Hands each row to the streams of its user.
    private func dispatch(_ rows: [InboxNotification]) {
        guard !rows.isEmpty else { return }
        var byUser: [UUID: [StreamedNotification]] = [:]
        for row in rows {
            guard let item = try? StreamedNotification(row) else { continue }
            byUser[row.userID, default: []].append(item)
        }
        let targets = state.withLockedValue { state in
            state.subscribers.values.compactMap { subscriber in byUser[subscriber.userID].map { (subscriber, $0) } }
        }
        for (subscriber, items) in targets { subscriber.continuation.yield(.notifications(items)) }
    }

    /// Every `sessionCheckInterval`, the sessions of all streams at once; a heartbeat every
    /// `heartbeatInterval`.
    private func checkSessions(_ sessions: StreamSessions, logger: Logger) async {
        var sinceHeartbeat: Duration = .zero
        while !isClosed && !Task.isCancelled {
            try? await Task.sleep(for: Self.sessionCheckInterval)
            let subscribers = state.withLockedValue { $0.subscribers }
            guard !subscribers.isEmpty else { continue }
            do {
                let ended = try await sessions.check(subscribers.mapValues { ($0.userID, $0.session) })
                for (id, reason) in ended {
                    let subscriber = state.withLockedValue { $0.subscribers.removeValue(forKey: id) }
                    subscriber?.continuation.yield(.end(reason))
                    subscriber?.continuation.finish()
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("notification stream session check failed", metadata: ErrorSummary(error).metadata)
            }
            sinceHeartbeat += Self.sessionCheckInterval
            if sinceHeartbeat >= Self.heartbeatInterval {
                sinceHeartbeat = .zero
                state.withLockedValue { $0.subscribers.values.forEach { $0.continuation.yield(.ping) } }
            }
        }
    }

    // MARK: Reads

    /// The newest notification's position: where a fresh reader starts.
    static func latest(on db: any Database) async throws -> (Date, UUID?)? {
        guard let row = try await InboxNotification.query(on: db).sort(\.$createdAt, .descending).sort(\.$id, .descending)
            .first() else { return nil }
        return (row.createdAt, row.id)
    }

    /// Notifications after `cursor` in (created_at, id) order (`idx_notifications_time`), one page;
    /// `userID` narrows them to one user's (`idx_notifications_user_time`).
    static func created(after cursor: (Date, UUID?), userID: UUID? = nil, on db: any Database) async throws -> [InboxNotification] {
        let query = InboxNotification.query(on: db)
        if let userID { query.filter(\.$userID == userID) }
        if let id = cursor.1 {
            query.after(.ascending, KeysetValue(\.$createdAt, cursor.0), KeysetValue(\.$id, id))
        } else {
            query.filter(\.$createdAt >= cursor.0)
        }
        return try await query.sort(\.$createdAt, .ascending).sort(\.$id, .ascending).limit(batchSize).all()
    }
}

/// A notification as a stream sends it, encoded once for all the streams that get it.
struct StreamedNotification: Sendable {
    let id: UUID
    let createdAt: Date
    let json: String

    init(_ row: InboxNotification) throws {
        id = row.id!
        createdAt = row.createdAt
        json = String(decoding: try JSONCoding.encoder.encode(NotificationResponse(row)), as: UTF8.self)
    }

    /// The `id:` a client sends back as `Last-Event-ID`.
    var cursor: String { Cursor([Cursor.timestamp(createdAt), id.uuidString]).encoded }

    var event: String { "id: \(cursor)\nevent: notification\ndata: \(json)\n\n" }
}

extension Application {
    private struct FanoutKey: StorageKey { typealias Value = NotificationFanout }

    /// Set up once in `configure`.
    var notificationFanout: NotificationFanout {
        get { storage[FanoutKey.self]! }
        set { storage[FanoutKey.self] = newValue }
    }
}

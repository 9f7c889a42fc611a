import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The database every service sees, wrapping Fluent's:
/// - on SQLite, every write — a transaction, or a single statement outside one — goes through one
///   in-process FIFO lane (`WriteLane`), and a transaction begins `IMMEDIATE`: SQLite allows one
///   writer, and a transaction that read first could not upgrade while another wrote (an instant
///   "database is locked", no busy wait applies), nor does its busy handler queue writers fairly.
///   Reads stay parallel (WAL);
/// A request whose transaction the database aborted to resolve a conflict is retried whole
/// (`ConflictRetryMiddleware`).
struct CRMDatabase: Database, SQLDatabase {
    let base: any Database
    let lane: WriteLane?
    let inTransaction: Bool

    var context: DatabaseContext { base.context }

    // MARK: Fluent

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        switch query.action {
        case .read, .aggregate: return base.execute(query: query, onOutput: onOutput)
        default: return writing { $0.execute(query: query, onOutput: onOutput) }
        }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        writing { $0.execute(schema: schema) }
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        writing { $0.execute(enum: `enum`) }
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        guard !inTransaction else { return closure(self) }
        let base = base
        let lane = lane
        return eventLoop.makeFutureWithTask {
            try await WriteLane.holding(lane) {
                try await (lane?.writer(base.logger) ?? base).withConnection { connection in
                    let sql = connection.sql
                    try await sql.raw(lane == nil ? "BEGIN" : "BEGIN IMMEDIATE").run()
                    do {
                        let result = try await closure(CRMDatabase(base: connection, lane: lane, inTransaction: true)).get()
                        try await sql.raw("COMMIT").run()
                        return UncheckedBox(result)
                    } catch {
                        try? await sql.raw("ROLLBACK").run()
                        throw error
                    }
                }
            }
        }.map(\.value)
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let lane = lane
        let inTransaction = inTransaction
        return base.withConnection { connection in
            closure(CRMDatabase(base: connection, lane: lane, inTransaction: inTransaction))
        }
    }

    // MARK: SQLKit

    var logger: Logger { base.sql.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var dialect: any SQLDialect { base.sql.dialect }
    var version: (any SQLDatabaseReportedVersion)? { base.sql.version }
    var queryLogLevel: Logger.Level? { base.sql.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        guard lane != nil, !inTransaction, Self.writes(query, in: base.sql) else { return base.sql.execute(sql: query, onRow) }
        return writing { $0.sql.execute(sql: query, onRow) }
    }

    /// Runs a single write outside a transaction in the lane, on the writer's connection (SQLite); as it
    /// is elsewhere.
    private func writing(_ work: @escaping @Sendable (any Database) -> EventLoopFuture<Void>) -> EventLoopFuture<Void> {
        guard let lane, !inTransaction else { return work(base) }
        let base = base
        return eventLoop.makeFutureWithTask {
            try await WriteLane.holding(lane) { try await work(lane.writer(base.logger) ?? base).get() }
        }
    }

    /// Whether a statement writes: Fluent's and SQLKit's own builders say so by type, raw SQL by its
    /// first keyword.
    static func writes(_ query: any SQLExpression, in database: any SQLDatabase) -> Bool {
        switch query {
        case is SQLInsert, is SQLUpdate, is SQLDelete: return true
        case is SQLSelect: return false
        default:
            var serializer = SQLSerializer(database: database)
            query.serialize(to: &serializer)
            let head = serializer.sql.drop { $0 == " " || $0 == "\n" || $0 == "(" }.prefix(8).uppercased()
            return !(head.hasPrefix("SELECT") || head.hasPrefix("PRAGMA") || head.hasPrefix("EXPLAIN") || head.hasPrefix("VALUES"))
        }
    }
}

/// Carries a transaction's result out of code that is not generic over `Sendable`.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// One writer at a time, first come first served (SQLite). A task that already holds the lane passes
/// through (its transaction's statements run on the connection that holds SQLite's write lock).
/// Writes run on a connection of their own (`writer`), never one a read holds: otherwise the lane's
/// holder would queue behind reads on its event loop's single connection while every writer waited.
final class WriteLane: Sendable {
    @TaskLocal static var held: ObjectIdentifier?

    private let writerSource = NIOLockedValueBox<(@Sendable (Logger) -> (any Database)?)?>(nil)

    /// Set once the writer database is registered.
    func useWriter(_ source: @escaping @Sendable (Logger) -> (any Database)?) {
        writerSource.withLockedValue { $0 = source }
    }

    /// The writers' database (one connection, on one event loop), when registered.
    func writer(_ logger: Logger) -> (any Database)? {
        writerSource.withLockedValue { $0 }?(logger)
    }

    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Runs `body` holding `lane` (directly when there is none or this task already holds it).
    static func holding<T>(_ lane: WriteLane?, _ body: () async throws -> T) async throws -> T {
        guard let lane, held != ObjectIdentifier(lane) else { return try await body() }
        await lane.acquire()
        defer { lane.release() }
        return try await $held.withValue(ObjectIdentifier(lane)) { try await body() }
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let runNow = state.withLockedValue { state -> Bool in
                if !state.busy {
                    state.busy = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if runNow { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard state.head < state.waiters.count else {
                state.busy = false
                state.waiters.removeAll(keepingCapacity: true)
                state.head = 0
                return nil
            }
            let next = state.waiters[state.head]
            state.head += 1
            if state.head > 1_024 {
                state.waiters.removeFirst(state.head)
                state.head = 0
            }
            return next
        }
        next?.resume()
    }
}

/// Runs a request again when the database aborted its transaction to resolve a conflict (deadlock
/// 40P01, serialization failure 40001, SQLite busy): at most `attempts` runs with jitter, then 503 with
/// `Retry-After` — never a 500. The whole request runs again (not the transaction alone): a request
/// commits at most one transaction, and its handler builds its models afresh, where a transaction's
/// closure would re-use models it already inserted.
struct ConflictRetryMiddleware: AsyncMiddleware {
    static let attempts = 3

    static func isRetryable(_ error: any Error) -> Bool {
        if let postgres = error as? PSQLError, let state = postgres.serverInfo?[.sqlState] {
            return state == "40P01" || state == "40001"
        }
        if let sqlite = error as? SQLiteError {
            let reason = "\(sqlite.reason)"
            return reason == "busy" || reason == "locked"
        }
        return false
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        var attempt = 1
        while true {
            do {
                return try await next.respond(to: request)
            } catch where Self.isRetryable(error) {
                guard attempt < Self.attempts else {
                    var metadata = ErrorSummary(error).metadata
                    metadata["route"] = .string(request.routeDescription)
                    request.logger.warning("request gave up after conflict retries", metadata: metadata)
                    throw APIError(.serviceUnavailable, code: "database-busy",
                                   detail: "The database is busy with conflicting changes. Retry shortly.",
                                   headers: ["Retry-After": "1"])
                }
                // 10–40 ms, then 20–80 ms: long enough for the other transaction to commit.
                let floor = 10 << (attempt - 1)
                try await Task.sleep(for: .milliseconds(Int.random(in: floor...(floor * 4))))
                attempt += 1
            }
        }
    }
}

/// Wraps a database configuration so that every database Fluent makes from it is a `CRMDatabase`.
struct CRMDatabaseConfiguration: DatabaseConfiguration {
    var base: any DatabaseConfiguration
    let lane: WriteLane?

    var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        Driver(base: base.makeDriver(for: databases), lane: lane)
    }

    struct Driver: DatabaseDriver {
        let base: any DatabaseDriver
        let lane: WriteLane?

        func makeDatabase(with context: DatabaseContext) -> any Database {
            CRMDatabase(base: base.makeDatabase(with: context), lane: lane, inTransaction: false)
        }

        func shutdown() { base.shutdown() }
        func shutdownAsync() async { await base.shutdownAsync() }
    }
}

extension DatabaseConfigurationFactory {
    /// `factory`'s databases as `CRMDatabase`s; `lane` for SQLite.
    static func crm(_ factory: DatabaseConfigurationFactory, lane: WriteLane?) -> DatabaseConfigurationFactory {
        DatabaseConfigurationFactory { CRMDatabaseConfiguration(base: factory.make(), lane: lane) }
    }
}

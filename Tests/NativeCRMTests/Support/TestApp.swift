import Foundation
import Logging
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import NativeCRM

/// The suite's database: SQLite files by default, PostgreSQL when `TEST_DATABASE_URL` is set.
enum TestDatabase {
    static var postgresURL: String? {
        let value = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"]
        return value?.isEmpty == false ? value : nil
    }

    static var isPostgres: Bool { postgresURL != nil }
}

/// A clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NIOLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }

    func advance(seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}

let testJWTSecret = "test-secret-that-is-long-enough-for-hs256-0123456789"

private let bootstrapLogging: Void = {
    let printLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
    LoggingSystem.bootstrap { label in CapturingLogHandler(label: label, printLevel: printLevel) }
}()

/// Bounds how many test apps run at once: each holds database connections (PostgreSQL's are limited)
/// and a server; hundreds in parallel on two cores only thrash.
actor TestGate {
    static let shared = TestGate(limit: 8)
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func enter() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// Runs `body` against a freshly migrated database and a server listening on a loopback port.
func withCRM(
    adminEmail: String? = nil, adminPassword: String? = nil, migrate: Bool = true,
    database: DatabaseTarget? = nil, tokenTTL: Int = 28_800, events: (any ActivityEvents)? = nil,
    databasePoolSize: Int? = nil, trustedProxies: [IPNetwork] = [], connectionTimeouts: ConnectionTimeouts = .init(),
    corsOrigins: [String] = [], timeZone: String = "UTC", metricsToken: String? = nil, googleLeadKey: String? = nil,
    meta: MetaConfig = .init(), webhooks: WebhookConfig = .init(allowHosts: ["127.0.0.1"], timeout: 1), extraRoutes: (@Sendable (Application) throws -> Void)? = nil, _ body: (TestContext) async throws -> Void
) async throws {
    _ = bootstrapLogging
    await TestGate.shared.enter()
    defer { Task { await TestGate.shared.leave() } }
    let clock = TestClock(Timestamp.parse("2025-06-02T09:00:00Z")!)
    let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    let sqlitePath = FileManager.default.temporaryDirectory.appendingPathComponent("crm-test-\(UUID().uuidString).sqlite").path
    let target = database ?? TestDatabase.postgresURL.map { DatabaseTarget.postgres(url: $0, searchPath: schema) }
        ?? .sqlite(path: sqlitePath)
    let config = AppConfig(database: target, jwtSecret: testJWTSecret, adminEmail: adminEmail,
                           adminPassword: adminPassword, tokenTTL: tokenTTL, bcryptCost: 4,
                           databasePoolSize: databasePoolSize, trustedProxies: trustedProxies,
                           connectionTimeouts: connectionTimeouts, logQueries: true,
                           corsOrigins: corsOrigins, timeZone: TimeZone(identifier: timeZone)!,
                           metricsToken: metricsToken, googleLeadKey: googleLeadKey, meta: meta,
                           webhooks: webhooks)
    try await withApp(configure: { app in
        app.clock = CRMClock { clock.now }
        try await configure(app, config: config)
        if let events { app.activityEvents = events }
        try extraRoutes?(app)
        if migrate {
            if case .postgres = target, let sql = app.db as? any SQLDatabase {
                try await sql.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
            }
            try await app.autoMigrate()
        }
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
    }) { app in
        let port = app.http.server.shared.localAddress?.port ?? 0
        let context = TestContext(app: app, baseURL: "http://127.0.0.1:\(port)", clock: clock, config: config)
        do {
            try await body(context)
        } catch {
            await cleanUp(app: app, target: target, schema: schema, sqlitePath: sqlitePath)
            throw error
        }
        await cleanUp(app: app, target: target, schema: schema, sqlitePath: sqlitePath)
    }
}

private func cleanUp(app: Application, target: DatabaseTarget, schema: String, sqlitePath: String) async {
    app.notificationFanout.close()
    await app.server.shutdown()
    if case .postgres = target, let sql = app.db as? any SQLDatabase {
        try? await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
    }
    for suffix in ["", "-wal", "-shm"] {
        try? FileManager.default.removeItem(atPath: sqlitePath + suffix)
    }
}

extension TestContext {
    /// Runs `body` against a second server instance on the same database (as behind a load balancer).
    func withSecondInstance(_ body: (TestContext) async throws -> Void) async throws {
        let clock = self.clock
        let config = self.config
        try await withApp(configure: { app in
            app.clock = CRMClock { clock.now }
            try await configure(app, config: config)
            try await app.asyncBoot()
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        }) { app in
            let port = app.http.server.shared.localAddress?.port ?? 0
            let second = TestContext(app: app, baseURL: "http://127.0.0.1:\(port)", clock: clock, config: config)
            do {
                try await body(second)
            } catch {
                app.notificationFanout.close()
                await app.server.shutdown()
                throw error
            }
            app.notificationFanout.close()
            await app.server.shutdown()
        }
    }
}

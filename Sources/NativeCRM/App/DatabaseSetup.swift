import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import PostgresNIO
import SQLKit
import Vapor

/// Registers the database chosen by `DATABASE_URL`.
enum DatabaseSetup {
    static func register(_ target: DatabaseTarget, poolSize: Int?, logQueries: Bool, on app: Application) throws {
        // Drivers log each statement with its bound values: personal data. Off unless the tests ask
        // (PostgreSQL's driver cannot be silenced: it logs at trace, which `crm` never prints).
        let sqlLogLevel: Logger.Level? = logQueries ? .trace : nil
        switch target {
        case let .sqlite(path):
            // SQLite: one in-process writer lane (see CRMDatabase), whose writes run on a database of their
            // own (one connection, on the first event loop) so they never wait behind a read.
            let lane = WriteLane()
            app.databases.use(.crm(.sqlite(.file(path), sqlLogLevel: sqlLogLevel), lane: lane), as: .sqlite)
            app.databases.use(.sqlite(.file(path), sqlLogLevel: sqlLogLevel), as: .sqliteWriter, isDefault: false)
            let writerLoop = app.eventLoopGroup.any()
            lane.useWriter { [weak app] logger in app?.databases.database(.sqliteWriter, logger: logger, on: writerLoop) }
        case let .postgres(url, searchPath):
            var config: SQLPostgresConfiguration
            do {
                config = try SQLPostgresConfiguration(url: url)
            } catch {
                throw ConfigurationError(variable: "DATABASE_URL", problem: "is not a usable PostgreSQL URL")
            }
            if let searchPath { config.searchPath = [searchPath] }
            app.databases.use(
                .crm(.postgres(configuration: config, maxConnectionsPerEventLoop: poolSize ?? 1,
                               connectionPoolTimeout: .seconds(10), sqlLogLevel: sqlLogLevel ?? .trace), lane: nil),
                as: .psql)
        }
    }

    /// SQLite settings: WAL (kept in the file) and, on every connection, a busy timeout so a writer
    /// waits (sleeping) for another's transaction instead of failing or spinning. Fluent keeps one
    /// SQLite connection per event loop, so setting it once per loop covers them all.
    static func prepare(_ app: Application) async throws {
        guard let sql = app.db as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        try await sql.raw("PRAGMA journal_mode = WAL").run()
        for loop in app.eventLoopGroup.makeIterator() {
            for id in [DatabaseID.sqlite, .sqliteWriter] {
                guard let db = app.databases.database(id, logger: app.logger, on: loop) as? any SQLDatabase else { continue }
                try await db.raw("PRAGMA busy_timeout = \(unsafeRaw: String(busyTimeoutMilliseconds))").run()
            }
        }
    }

    /// Keeps the query planner's statistics current: SQLite plans badly without them (a revenue
    /// aggregate took 80 s instead of 20 ms on the large data set). Run at `crm serve` start and after
    /// `crm seed`; PostgreSQL's autovacuum does this by itself, but a fresh bulk load is analysed at once.
    static func refreshStatistics(_ db: any Database) async throws {
        let sql = db.sql
        if sql.dialect.name == "sqlite" {
            let analysed = try await sql.raw("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").first() != nil
            try await sql.raw(analysed ? "PRAGMA optimize" : "ANALYZE").run()
        } else {
            try await sql.raw("ANALYZE").run()
        }
    }

    static let busyTimeoutMilliseconds = 15_000

    /// Applies the migrations. On PostgreSQL they run under an advisory lock (per schema), so instances
    /// started together take turns: the second waits, then finds nothing left to do. The lock lives on a
    /// connection of its own, outside the pool the migrations use.
    static func migrate(_ app: Application) async throws {
        guard case let .postgres(url, searchPath) = app.crmConfig.database else {
            try await app.autoMigrate()
            return
        }
        let connection = try await dedicatedConnection(url: url, logger: app.logger)
        let key = "crm-migrations:" + (searchPath ?? "public")
        do {
            try await connection.query("SELECT pg_advisory_lock(hashtext(\(key)))", logger: app.logger)
            do {
                try await app.autoMigrate()
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext(\(key)))", logger: app.logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(hashtext(\(key)))", logger: app.logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// A PostgreSQL connection of its own (not from the pool), for session-level work: a migration lock,
    /// `LISTEN`.
    static func dedicatedConnection(url: String, logger: Logger) async throws -> PostgresConnection {
        let config = try SQLPostgresConfiguration(url: url)
        return try await PostgresConnection.connect(configuration: config.coreConfiguration, id: Int.random(in: 1...Int.max),
                                                    logger: logger)
    }
}

extension DatabaseID {
    /// SQLite's writers' own database (the same file): see `WriteLane`.
    static let sqliteWriter = DatabaseID(string: "sqlite-writer")
}

import OpenAPIKit
import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// `GET /health` (the process is up) and `GET /ready` (the database answers); no token needed.
struct HealthController {
    struct Status: Content {
        var status: String
        var database: String?
    }

    /// The `/health` answer.
    enum Health: Documented {
        static let schemaName = "HealthStatus"
        static var schema: JSONSchema { Schema.response(["status": Schema.oneOf(["ok"])]) }
    }

    /// The `/ready` answer.
    enum Readiness: Documented {
        static let schemaName = "ReadyStatus"
        static var schema: JSONSchema { Schema.response(["status": Schema.oneOf(["ready"]), "database": Schema.oneOf(["ok"])]) }
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.GET, "/health", .anyone, "Liveness: the process is up", use: health, .init(
                "getHealth", tag: "Operations", replies: [.ok(Health.ref, "The process is up.")])),
            Endpoint(.GET, "/ready", .anyone, "Readiness: the database answers", use: ready, .init(
                "getReady", tag: "Operations", "Runs `SELECT 1` with a 3-second limit.",
                replies: [.ok(Readiness.ref, "The database answers.")], errors: [503])),
        ]
    }

    @Sendable func health(req: Request) async throws -> Status {
        Status(status: "ok")
    }

    @Sendable func ready(req: Request) async throws -> Status {
        let reachable = await Self.databaseAnswers(req.db, within: .seconds(3))
        guard reachable else {
            throw APIError(.serviceUnavailable, code: "database-unavailable",
                           detail: "The database does not answer.", headers: ["Retry-After": "5"])
        }
        return Status(status: "ready", database: "ok")
    }

    /// Runs `SELECT 1`, answering false after `timeout` even if the query is still waiting.
    static func databaseAnswers(_ db: any Database, within timeout: Duration) async -> Bool {
        guard let sql = db as? any SQLDatabase else { return false }
        let pending = NIOLockedValueBox<CheckedContinuation<Bool, Never>?>(nil)
        @Sendable func finish(_ value: Bool) {
            pending.withLockedValue { continuation in
                continuation?.resume(returning: value)
                continuation = nil
            }
        }
        return await withCheckedContinuation { continuation in
            pending.withLockedValue { $0 = continuation }
            Task { finish((try? await sql.raw("SELECT 1 AS ok").run()) != nil) }
            Task {
                try? await Task.sleep(for: timeout)
                finish(false)
            }
        }
    }
}

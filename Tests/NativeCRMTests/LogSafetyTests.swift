import Foundation
import SQLKit
import Testing
import Vapor
@testable import NativeCRM

/// Logs name, never quote: a 5xx line carries the request id, route, error type and code; no line
/// carries a body, a query, a path as sent or a driver's message.
@Suite("Log safety")
struct LogSafetyTests {
    /// An error whose description quotes the request, as an encoder's or a driver's does.
    struct QuotingError: Error, CustomStringConvertible, CustomDebugStringConvertible {
        let quoted: String
        var description: String { "could not handle \(quoted)" }
        var debugDescription: String { "QuotingError(\(quoted))" }
    }

    static let personal = ["jane.allergy@example.com", "+41 79 555 12 34", "allergy to lidocaine"]

    /// A route of the test build only: it reads a customer-like body and fails with its values in the
    /// error's description — the shape of the observed leak (the whole response body in the line).
    static func explodingRoute(_ app: Application) throws {
        app.grouped("crm").signedIn().post("test-explode") { req async throws -> Response in
            let body = try req.content.decode([String: String].self)
            throw QuotingError(quoted: body.values.sorted().joined(separator: ", "))
        }
    }

    func requestID() -> String { LogCapture.prefix + UUID().uuidString.prefix(8).lowercased() }

    @Test func aFiveHundredLogsIdsRouteTypeAndCodeOnly() async throws {
        try await withCRM(extraRoutes: Self.explodingRoute) { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let id = requestID()
            let res = try await t.request(.POST, "/crm/test-explode", token: user.token,
                                          json: ["email": Self.personal[0], "phone": Self.personal[1], "notes": Self.personal[2]],
                                          headers: [("X-Request-ID", id)])
            #expect(res.status == .internalServerError)
            #expect(!Self.personal.contains { res.text.contains($0) }, "nor in the answer")
            let lines = LogCapture.shared.lines(of: id)
            let failure = try #require(lines.first { $0.contains("request failed") }, "\(lines)")
            #expect(failure.contains("error-type=QuotingError") && failure.contains("route=POST /crm/test-explode"),
                    "\(failure)")
            #expect(failure.contains("request-id=\(id)"))
            for line in lines {
                #expect(!Self.personal.contains { line.contains($0) }, "personal data logged: \(line)")
                #expect(!line.contains("could not handle"), "an error's description logged: \(line)")
            }
        }
    }

    /// A driver's message quoting the row (a PostgreSQL trigger that raises with the record's notes).
    @Test(.enabled(if: TestDatabase.isPostgres)) func aDriverErrorIsLoggedByItsCodeNotItsMessage() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(user.token)
            try await t.app.db.sql.raw("""
                CREATE FUNCTION refuse_notes() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'refused: %', NEW.notes; END; $$ LANGUAGE plpgsql
                """).run()
            try await t.app.db.sql.raw("""
                CREATE TRIGGER refuse_notes BEFORE UPDATE ON customer_records FOR EACH ROW EXECUTE FUNCTION refuse_notes()
                """).run()
            let id = requestID()
            let res = try await t.request(.PUT, "/crm/customers/\(customer)/record", token: user.token,
                                          json: ["notes": Self.personal[2]], headers: [("X-Request-ID", id)])
            #expect(res.status == .internalServerError)
            let lines = LogCapture.shared.lines(of: id)
            let failure = try #require(lines.first { $0.contains("request failed") }, "\(lines)")
            #expect(failure.contains("error-type=PSQLError") && failure.contains("error-code=P0001"), "\(failure)")
            #expect(!lines.contains { $0.contains(Self.personal[2]) || $0.contains("refused:") }, "\(lines)")
        }
    }

    /// Rejections and ordinary requests: the route as declared, never the path or query as sent.
    @Test func pathsAndQueriesAsSentAreNeverLogged() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let rejected = requestID()
            let bad = try await t.request(.GET, "/crm/customers/\(Self.personal[0])/record", token: user.token,
                                          headers: [("X-Request-ID", rejected)])
            #expect(bad.status == .badRequest)
            let listed = requestID()
            let ok = try await t.request(.GET, "/crm/customers?search=lidocaine", token: user.token,
                                         headers: [("X-Request-ID", listed)])
            #expect(ok.status == .ok)
            let rejectedLines = LogCapture.shared.lines(of: rejected)
            #expect(rejectedLines.contains { $0.contains("route=GET /crm/customers/:id/record") }, "\(rejectedLines)")
            let listedLines = LogCapture.shared.lines(of: listed)
            #expect(listedLines.contains { $0.contains("route=GET /crm/customers") && $0.contains("status=200") }, "\(listedLines)")
            for line in rejectedLines + listedLines {
                #expect(!line.contains(Self.personal[0]) && !line.contains("lidocaine"), "\(line)")
            }
        }
    }
}

import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Vapor

/// What a log line may say about an error: its type and a stable code (an SQLSTATE, an SQLite result
/// code, the API's problem code) — never its description, which can quote bodies, bound values or a
/// driver's full message with personal data in it.
struct ErrorSummary: Sendable, Equatable {
    let type: String
    let code: String

    init(_ error: any Error) {
        type = String(describing: Swift.type(of: error))
        switch error {
        case let api as APIError: code = api.code
        case let postgres as PSQLError: code = postgres.serverInfo?[.sqlState] ?? "\(postgres.code)"
        case let sqlite as SQLiteError: code = "\(sqlite.reason)"
        case let decoding as DecodingError: code = Self.caseName(of: decoding)
        case let encoding as EncodingError: code = Self.caseName(of: encoding)
        case let abort as any AbortError: code = "\(abort.status.code)"
        default: code = "-"
        }
    }

    /// `typeMismatch`, `invalidValue`…: the enum case without its payload.
    private static func caseName(of value: Any) -> String {
        Mirror(reflecting: value).children.first?.label ?? "\(value)".prefix { $0 != "(" }.description
    }

    var metadata: Logger.Metadata { ["error-type": .string(type), "error-code": .string(code)] }
}

extension Request {
    /// The matched route as declared (`GET /crm/customers/:id/record`), never the path as sent: a path
    /// can carry anything a client typed. `unmatched` when no route matched.
    var routeDescription: String {
        guard let route else { return "\(method.rawValue) unmatched" }
        return "\(route.method.rawValue) /" + route.path.map(\.description).joined(separator: "/")
    }
}

/// The lowest level a server prints, whatever `LOG_LEVEL` asks: below it the framework and drivers log
/// what personal data passes through (Fluent's "Running query" quotes filter values at debug; the HTTP
/// parser and the SQL drivers log request heads and bound values at trace).
public enum LogPolicy {
    public static let floor: Logger.Level = .info
}

import OpenAPIKit
import Vapor

/// One problem with one input field, reported in the `errors` array of a problem document.
public struct FieldError: Content, Equatable, Sendable {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

extension FieldError: Documented {
    static let schemaName = "FieldError"
    static var schema: JSONSchema { Schema.object(["field": Schema.string, "message": Schema.string]) }
}

/// The one error vocabulary of the API: a stable `code`, an HTTP status and a human-readable detail.
/// `ProblemMiddleware` turns it into RFC 9457 problem+json.
public struct APIError: Error, Sendable {
    public var status: HTTPResponseStatus
    public var code: String
    public var detail: String
    public var errors: [FieldError]
    public var headers: HTTPHeaders
    /// For 412: the resource's current version.
    public var currentVersion: Int?

    public init(
        _ status: HTTPResponseStatus, code: String, detail: String,
        errors: [FieldError] = [], headers: HTTPHeaders = [:]
    ) {
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// 400 for one or more bad fields.
    public static func validation(_ errors: [FieldError]) -> APIError {
        let names = errors.map(\.field).joined(separator: ", ")
        return APIError(.badRequest, code: "validation-failed",
                        detail: "Invalid input: \(names).", errors: errors)
    }

    public static func invalid(_ field: String, _ message: String) -> APIError {
        .validation([FieldError(field: field, message: message)])
    }

    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "not-found", detail: "\(what) not found.")
    }

    public static func conflict(_ detail: String, code: String = "conflict") -> APIError {
        APIError(.conflict, code: code, detail: detail)
    }

    public static let unauthorized = APIError(
        .unauthorized, code: "unauthorized", detail: "A valid bearer token is required.",
        headers: ["WWW-Authenticate": "Bearer"])

    public static let forbidden = APIError(
        .forbidden, code: "forbidden", detail: "Your role is not allowed to do this.")
}

/// Collects every bad field of a request so a client sees all of them at once.
public struct FieldErrors: Sendable {
    public private(set) var all: [FieldError] = []

    public init() {}

    /// Records a problem; a field already reported keeps its first message (a missing or mistyped
    /// value is not also reported as out of range).
    public mutating func add(_ field: String, _ message: String) {
        guard !all.contains(where: { $0.field == field }) else { return }
        all.append(FieldError(field: field, message: message))
    }

    public mutating func check(_ condition: Bool, _ field: String, _ message: String) {
        if !condition { add(field, message) }
    }

    /// A required text field: trimmed, then 1 to `max` characters. Returns the trimmed text.
    @discardableResult
    public mutating func requiredText(_ raw: String, _ field: String, max: Int) -> String {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        check(!text.isEmpty && text.count <= max, field, "must be 1 to \(max) characters")
        return text
    }

    /// Throws a 400 naming every collected field, if any.
    public func throwIfAny() throws {
        if !all.isEmpty { throw APIError.validation(all) }
    }
}

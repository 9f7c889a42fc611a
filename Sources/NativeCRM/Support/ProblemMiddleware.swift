import OpenAPIKit
import Fluent
import Vapor

/// RFC 9457 problem document; every error response of the API has this shape.
struct ProblemDocument: Content {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var errors: [FieldError]
    var instance: String?
    var requestId: String?
    /// Only on 412: the version the resource has now.
    var currentVersion: Int?
}

extension ProblemDocument: Documented {
    static let schemaName = "Problem"
    static var schema: JSONSchema {
        Schema.object([
            "type": Schema.string.described(
                "`urn:native-crm:problem:<code>` (e.g. `validation-failed`, `not-found`, `unauthorized`, `forbidden`, "
                    + "`conflict`, `duplicate-email`, `too-many-login-attempts`, `payload-too-large`, "
                    + "`database-unavailable`) or `about:blank`."),
            "title": Schema.string.described("The HTTP reason phrase."),
            "status": Schema.integer.described("The HTTP status code."),
            "detail": Schema.string.described("Human-readable explanation."),
            "errors": Schema.array(FieldError.ref,
                "One entry per bad input field (body path, query or path parameter, or `body`); empty when no field is at fault."),
            "instance": Schema.string.described("The request path."),
            "requestId": Schema.string.described("The request id, as echoed in `X-Request-ID`."),
            "currentVersion": Schema.integer.described("Only on 412: the resource's current version (its ETag)."),
        ], required: ["type", "title", "status", "detail", "errors"],
        description: "RFC 9457 problem details; every error response has this shape.")
    }
}

/// Turns every thrown error into `application/problem+json`; internal error text never reaches the client.
struct ProblemMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let problem = Self.problem(for: error)
            // Ids, route and codes only: never the error's description, the body or the query.
            if problem.status.code >= 500 {
                var metadata = ErrorSummary(error).metadata
                metadata["route"] = .string(request.routeDescription)
                if let violation = ConstraintViolation(error) {
                    metadata["constraint"] = .string(violation.kind.rawValue + " " + violation.name)
                }
                metadata["status"] = .string("\(problem.status.code)")
                request.logger.error("request failed", metadata: metadata)
            } else {
                request.logger.info("request rejected", metadata: [
                    "route": .string(request.routeDescription),
                    "status": "\(problem.status.code)", "code": "\(problem.code)",
                ])
            }
            return Self.response(for: problem, request: request)
        }
    }

    static func response(for problem: APIError, request: Request) -> Response {
        let document = ProblemDocument(
            type: problem.code == "about:blank" ? "about:blank" : "urn:native-crm:problem:\(problem.code)",
            title: problem.status.reasonPhrase,
            status: Int(problem.status.code),
            detail: problem.detail,
            errors: problem.errors,
            instance: request.url.path,
            requestId: request.requestID,
            currentVersion: problem.currentVersion
        )
        var headers = problem.headers
        headers.contentType = HTTPMediaType(type: "application", subType: "problem+json", parameters: ["charset": "utf-8"])
        let body = (try? JSONCoding.encoder.encode(document)) ?? Data()
        return Response(status: problem.status, headers: headers, body: .init(data: body))
    }

    /// Maps any error to the API's vocabulary.
    static func problem(for error: any Error) -> APIError {
        switch error {
        case let apiError as APIError:
            return apiError
        case let decoding as DecodingError:
            return DecodingErrorMapper.map(decoding)
        case _ where ConstraintViolation(error) != nil:
            return fromViolation(ConstraintViolation(error)!)
        case let abort as any AbortError:
            return fromAbort(abort)
        default:
            return APIError(.internalServerError, code: "internal-error",
                            detail: "An unexpected error occurred. Quote the request id when reporting it.")
        }
    }

    /// A unique violation is a 409 (the services turn the ones they expect into their own codes); a
    /// foreign key the input broke is a 400 naming its field; NOT NULL and CHECK are bugs: 500.
    private static func fromViolation(_ violation: ConstraintViolation) -> APIError {
        switch violation.kind {
        case .unique:
            return .conflict("The change conflicts with existing data (a unique value is taken).", code: "duplicate")
        case .foreignKey:
            return .invalid(violation.field ?? "body", "refers to something that does not exist (any more)")
        case .notNull, .check:
            return APIError(.internalServerError, code: "internal-error",
                            detail: "An unexpected error occurred. Quote the request id when reporting it.")
        }
    }

    private static func fromAbort(_ abort: any AbortError) -> APIError {
        let status = abort.status
        let detail: String
        let code: String
        switch status {
        case .notFound:
            code = "not-found"; detail = "No such resource."
        case .payloadTooLarge:
            code = "payload-too-large"; detail = "The request body is too large."
        case .unauthorized:
            code = "unauthorized"; detail = "A valid bearer token is required."
        case .unsupportedMediaType:
            code = "unsupported-media-type"; detail = "Send the body as application/json."
        case .methodNotAllowed:
            code = "method-not-allowed"; detail = "This method is not allowed here."
        case .badRequest:
            return .invalid("body", abort.reason)
        case .unprocessableEntity:
            // Vapor's answer to a declared body that is empty or undecodable as a whole.
            return .invalid("body", "is missing or is not a JSON object")
        default:
            code = status.code >= 500 ? "internal-error" : "about:blank"
            detail = status.code >= 500 ? "An unexpected error occurred." : status.reasonPhrase
        }
        var headers = abort.headers
        headers.remove(name: .contentType)
        if status == .unauthorized { headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
        return APIError(status, code: code, detail: detail, headers: headers)
    }
}

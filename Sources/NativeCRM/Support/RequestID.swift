import Vapor

/// Gives every request an id: the client's `X-Request-ID` when it is sane, else a new UUID.
/// The id is echoed on every response (errors included) and carried in the request's log metadata.
struct RequestIDMiddleware: AsyncMiddleware {
    static let header: HTTPHeaders.Name = "X-Request-ID"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let id = request.headers.first(name: Self.header).flatMap(Self.acceptable) ?? UUID().uuidString
        request.requestID = id
        request.logger[metadataKey: "request-id"] = .string(id)
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            // ProblemMiddleware sits inside this one; this only guards against an error escaping it.
            response = ProblemMiddleware.response(for: ProblemMiddleware.problem(for: error), request: request)
        }
        response.headers.replaceOrAdd(name: Self.header, value: id)
        return response
    }

    /// Accepts up to 128 visible ASCII characters; anything else is replaced, never logged.
    static func acceptable(_ value: String) -> String? {
        guard !value.isEmpty, value.count <= 128,
              value.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else { return nil }
        return value
    }
}

extension Request {
    private struct RequestIDKey: StorageKey { typealias Value = String }

    /// The id of this request, as echoed in `X-Request-ID`.
    public var requestID: String? {
        get { storage[RequestIDKey.self] }
        set { storage[RequestIDKey.self] = newValue }
    }
}

/// One log line per request: method, path (never the query, which may hold personal data), status, time.
struct AccessLogMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)",
            "path": "\(request.url.path)",
            "status": "\(response.status.code)",
            "ms": "\(String(format: "%.1f", ms))",
        ]
        if let user = request.auth.get(AuthenticatedUser.self) {
            metadata["user-id"] = "\(user.id)"
        }
        request.logger.info("request", metadata: metadata)
        return response
    }
}

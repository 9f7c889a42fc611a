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

    /// Keeps a client's id only when it is 1 to 64 of `A-Z a-z 0-9 . _ -`; anything else is replaced.
    static func acceptable(_ value: String) -> String? {
        guard (1...64).contains(value.utf8.count), value.utf8.allSatisfy({ byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }) else { return nil }
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

/// One log line per request: the route as declared (never the path as sent or the query, which may hold
/// personal data), status, time.
struct AccessLogMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        var metadata: Logger.Metadata = [
            "route": .string(request.routeDescription),
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

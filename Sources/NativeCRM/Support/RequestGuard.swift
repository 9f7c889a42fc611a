import Vapor

/// Refuses request shapes the API does not take, before any handler sees them: a body that is not
/// JSON (415), and NUL characters in the body or query (400; PostgreSQL cannot store them in text).
struct RequestGuardMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let query = request.url.query, query.range(of: "%00", options: .caseInsensitive) != nil {
            throw APIError.invalid("query", "must not contain NUL characters")
        }
        if [.POST, .PUT, .PATCH].contains(request.method), Self.hasBody(request) {
            guard let type = request.headers.contentType, type.type == "application",
                  type.subType == "json" || type.subType.hasSuffix("+json") else {
                throw APIError(.unsupportedMediaType, code: "unsupported-media-type",
                               detail: "Send the body as application/json.")
            }
            let body = try await request.body.collect(max: request.application.routes.defaultMaxBodySize.value).get()
            if let body, body.readableBytesView.contains(0)
                || String(buffer: body).range(of: "\\u0000", options: .caseInsensitive) != nil {
                throw APIError.invalid("body", "must not contain NUL characters")
            }
        }
        return try await next.respond(to: request)
    }

    private static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers.first(name: .contentLength), let bytes = Int(length) { return bytes > 0 }
        return request.headers.contains(name: .transferEncoding) || request.body.data.map { $0.readableBytes > 0 } ?? false
    }
}

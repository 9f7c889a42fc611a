import Vapor

/// Cross-origin access for browser clients served from another site. Only the origins of
/// `CRM_CORS_ORIGINS` get `Access-Control-*` headers; with none configured (the default) a browser
/// on another site cannot read any answer. Installed outermost, so error answers carry them too.
struct CORSPolicyMiddleware: AsyncMiddleware {
    let origins: Set<String>

    static let allowedMethods = "GET, POST, PUT, PATCH, DELETE"
    static let allowedHeaders = "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-ID"
    static let exposedHeaders = "ETag, Link, X-Request-ID, Retry-After"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let origin = request.headers.first(name: .origin), origins.contains(origin) else {
            return try await next.respond(to: request)
        }
        if request.method == .OPTIONS, request.headers.first(name: .accessControlRequestMethod) != nil {
            let preflight = Response(status: .noContent)
            preflight.headers.replaceOrAdd(name: .accessControlAllowMethods, value: Self.allowedMethods)
            preflight.headers.replaceOrAdd(name: .accessControlAllowHeaders, value: Self.allowedHeaders)
            preflight.headers.replaceOrAdd(name: .accessControlMaxAge, value: "600")
            return decorate(preflight, origin: origin)
        }
        return decorate(try await next.respond(to: request), origin: origin)
    }

    private func decorate(_ response: Response, origin: String) -> Response {
        response.headers.replaceOrAdd(name: .accessControlAllowOrigin, value: origin)
        response.headers.replaceOrAdd(name: .accessControlExpose, value: Self.exposedHeaders)
        response.headers.add(name: .vary, value: "Origin")
        return response
    }
}

/// A known path asked with a method it does not take is a 405 naming the methods it does take in
/// `Allow`, not a 404 (which would tell a client the resource does not exist).
struct MethodNotAllowedMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let abort as any AbortError where abort.status == .notFound && request.route == nil {
            let methods = Self.methods(matching: request.url.path, in: request.application.routes.all)
            guard !methods.isEmpty else { throw abort }
            throw APIError(.methodNotAllowed, code: "method-not-allowed",
                           detail: "\(request.method.rawValue) is not allowed here; use \(methods.joined(separator: ", ")).",
                           headers: ["Allow": methods.joined(separator: ", ")])
        }
    }

    /// The methods of the routes whose path matches `path` (HEAD wherever GET is, as Vapor answers it).
    static func methods(matching path: String, in routes: [Route]) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var methods = Set<String>()
        for route in routes where matches(route.path, parts) {
            methods.insert(route.method.rawValue)
            if route.method == .GET { methods.insert("HEAD") }
        }
        let order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
        return methods.sorted { (order.firstIndex(of: $0) ?? 99, $0) < (order.firstIndex(of: $1) ?? 99, $1) }
    }

    private static func matches(_ pattern: [PathComponent], _ parts: [String]) -> Bool {
        var index = 0
        for component in pattern {
            switch component {
            case .catchall: return index < parts.count
            case let .constant(text):
                guard index < parts.count, parts[index] == text else { return false }
            case .parameter, .anything:
                guard index < parts.count else { return false }
            }
            index += 1
        }
        return index == parts.count
    }
}

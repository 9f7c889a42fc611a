import Crypto
import Vapor

/// `GET /metrics`: the Prometheus text exposition (`CRMMetrics`). A scraper sends
/// `Authorization: Bearer <CRM_METRICS_TOKEN>`; otherwise only an ADMIN's token reads it.
struct MetricsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped(MetricsTokenAuthenticator(), BearerAuthenticator(), MetricsGuard()).get("metrics", use: metrics)
    }

    @Sendable func metrics(req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(string: CRMMetrics.exposition()))
    }
}

/// Marks a request that carries the configured metrics token (compared in constant time).
struct MetricsTokenAuthenticator: AsyncMiddleware {
    struct Scraper: Authenticatable {}

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let expected = request.application.crmConfig.metricsToken, let bearer = request.headers.bearerAuthorization,
           Self.same(bearer.token, expected) {
            request.auth.login(Scraper())
        }
        return try await next.respond(to: request)
    }

    /// Equal texts, in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        Data(SHA256.hash(data: Data(a.utf8))) == Data(SHA256.hash(data: Data(b.utf8)))
    }
}

/// The scraper's token or an ADMIN passes; anyone else is 401 (no valid token) or 403.
struct MetricsGuard: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.auth.has(MetricsTokenAuthenticator.Scraper.self) { return try await next.respond(to: request) }
        guard let user = request.auth.get(AuthenticatedUser.self) else { throw APIError.unauthorized }
        guard user.role == .admin else { throw APIError.forbidden }
        return try await next.respond(to: request)
    }
}

import OpenAPIKit
import Crypto
import Vapor

/// `GET /metrics`: the Prometheus text exposition (`CRMMetrics`). A scraper sends
/// `Authorization: Bearer <CRM_METRICS_TOKEN>`; otherwise only an ADMIN's token reads it.
struct MetricsController {
    var endpoints: [Endpoint] {
        [
            Endpoint(.GET, "/metrics", .admin, "Prometheus metrics", use: metrics, .init(
                "getMetrics", tag: "Operations",
                "Request counts and durations by route pattern (`http_requests_total`, `http_request_duration_seconds`, "
                    + "`http_request_errors_total`) and the CRM's counters (`crm_scheduler_runs_total`, "
                    + "`crm_notifications_delivered_total`, `crm_idempotent_replays_total`, `crm_throttled_logins_total`) "
                    + "in the Prometheus text format. A scraper may instead send `Authorization: Bearer <CRM_METRICS_TOKEN>`.",
                replies: [.ok(Schema.string, "The Prometheus text exposition.", media: "text/plain")]))
            .guarded(by: [MetricsTokenAuthenticator(), BearerAuthenticator(), MetricsGuard()]),
        ]
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

import OpenAPIKit
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
           ConstantTime.same(bearer.token, expected) {
            request.auth.login(Scraper())
        }
        return try await next.respond(to: request)
    }
}

/// The scraper's token passes; otherwise the ADMIN role guard (401 without a valid token, 403 for
/// another role or a key narrowed by scopes).
struct MetricsGuard: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.auth.has(MetricsTokenAuthenticator.Scraper.self) { return try await next.respond(to: request) }
        return try await RoleGuard(allowed: [.admin]).respond(to: request, chainingTo: next)
    }
}

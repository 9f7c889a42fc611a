import Metrics
import Prometheus

/// The process's metrics: swift-metrics bootstrapped once per process with a Prometheus registry, so
/// Vapor's own request counters and durations (`http_requests_total`, `http_request_duration_seconds`,
/// labelled by route pattern, never by a path's ids) and the CRM's counters below are served by
/// `GET /metrics` in the Prometheus text format.
enum CRMMetrics {
    /// The registry; touching it bootstraps the metrics system (once: swift-metrics allows no second time).
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Call before anything records a metric (configure does).
    static func bootstrap() { _ = registry }

    static func exposition() -> String { registry.emitToString() }

    /// Creates the CRM's counters, so a scraper sees each at 0 from the start rather than only after
    /// its first event (configure calls it after `bootstrap`).
    static func registerCounters() {
        _ = [schedulerRuns, notificationsDelivered, idempotentReplays, throttledLogins]
    }

    // Counters made after the bootstrap (each reads `registry` first), so they are not no-ops.
    static let schedulerRuns: Metrics.Counter = { bootstrap(); return Metrics.Counter(label: "crm_scheduler_runs_total") }()
    static let notificationsDelivered: Metrics.Counter = {
        bootstrap(); return Metrics.Counter(label: "crm_notifications_delivered_total")
    }()
    static let idempotentReplays: Metrics.Counter = { bootstrap(); return Metrics.Counter(label: "crm_idempotent_replays_total") }()
    static let throttledLogins: Metrics.Counter = { bootstrap(); return Metrics.Counter(label: "crm_throttled_logins_total") }()
}

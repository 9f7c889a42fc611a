import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// `GET /metrics`: Vapor's request metrics and the CRM's counters in the Prometheus text format, for
/// an ADMIN or the configured scraper token only.
@Suite("Metrics")
struct MetricsTests {
    static let scraperToken = "scraper-token-0123456789abcdef-0123456789"

    /// The value of the sample `name` (without labels), 0 when absent.
    private func value(_ text: String, _ name: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }

    @Test func onlyAnAdminOrTheScraperReadsTheMetrics() async throws {
        try await withCRM(metricsToken: Self.scraperToken) { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let admin = try await t.admin()
            #expect(try await t.get("/metrics").status == .unauthorized)
            #expect(try await t.get("/metrics", token: "not-the-token").status == .unauthorized)
            #expect(try await t.get("/metrics", token: sales.token).status == .forbidden)
            let asAdmin = try await t.get("/metrics", token: admin.token)
            #expect(asAdmin.status == .ok)
            #expect(asAdmin.headers.first(name: .contentType)?.hasPrefix("text/plain") == true)
            #expect(try await t.get("/metrics", token: Self.scraperToken).status == .ok)
        }
    }

    @Test func withoutAScraperTokenTheTokenOfNobodyIsRefused() async throws {
        try await withCRM { (t: TestContext) async throws in
            #expect(try await t.get("/metrics", token: Self.scraperToken).status == .unauthorized)
        }
    }

    /// Requests are counted by route pattern: the ids in a path never reach the metrics.
    @Test func requestsAreCountedByRoutePatternWithoutIds() async throws {
        try await withCRM(metricsToken: Self.scraperToken) { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let customer = try await t.makeCustomer(desk.token)
            #expect(try await t.get("/crm/customers/\(customer)", token: desk.token).status == .ok)
            #expect(try await t.get("/crm/no-such-route/\(customer)", token: desk.token).status == .notFound)
            let text = try await t.get("/metrics", token: Self.scraperToken).text
            #expect(text.contains("http_requests_total"))
            #expect(text.contains("http_request_duration_seconds"))
            #expect(text.contains("path=\"/crm/customers/:id\""))
            #expect(!text.contains(customer) && !text.contains(customer.lowercased()))
        }
    }

    @Test func theCRMCountsSchedulerRunsDeliveriesReplaysAndThrottledLogins() async throws {
        try await withCRM(metricsToken: Self.scraperToken) { (t: TestContext) async throws in
            let before = try await t.get("/metrics", token: Self.scraperToken).text
            for name in ["crm_scheduler_runs_total", "crm_notifications_delivered_total", "crm_idempotent_replays_total",
                         "crm_throttled_logins_total"] {
                #expect(before.contains("# TYPE \(name) counter"), "\(name) is exposed from the start")
            }
            // A lead for a salesperson delivers a notification; a retried POST is replayed.
            let sales = try await t.makeUser(.salesperson)
            let desk = try await t.makeUser(.secretariat)
            let body: [String: Any] = ["source": "website", "firstName": "Ann", "email": "ann@x.test"]
            for _ in 0..<2 {
                let response = try await t.request(.POST, "/crm/leads", token: desk.token, json: body,
                                                   headers: [("Idempotency-Key", "metrics-replay-1")])
                #expect(response.status == .created)
            }
            _ = sales
            _ = try await SendTimedNotificationsJob(db: t.app.db, clock: t.app.clock, reminderMinutes: 15).run(at: t.clock.now)
            for _ in 0..<12 {
                _ = try await t.post("/auth/login", ["email": "nobody@x.test", "password": "wrong-password"])
            }
            let after = try await t.get("/metrics", token: Self.scraperToken).text
            for name in ["crm_scheduler_runs_total", "crm_notifications_delivered_total", "crm_idempotent_replays_total",
                         "crm_throttled_logins_total"] {
                #expect(value(after, name) >= value(before, name) + 1, "\(name): \(value(before, name)) → \(value(after, name))")
            }
        }
    }
}

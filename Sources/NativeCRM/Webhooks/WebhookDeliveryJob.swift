import AsyncHTTPClient
import Crypto
import Fluent
import NIOCore
import NIOHTTP1
import SQLKit
import Vapor

/// The Standard Webhooks signature: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`, keyed
/// with the secret's bytes (the base64 after `whsec_`).
enum WebhookSignature {
    static func sign(secret: String, id: String, timestamp: Int, body: String) -> String {
        let key = Data(base64Encoded: String(secret.dropFirst(Webhook.secretPrefix.count))) ?? Data(secret.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).\(body)".utf8), using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }
}

/// Sends the outbox's due deliveries, at least once each. A delivery is claimed by moving its next
/// attempt past a lease (one instance sends it at a time; a crashed instance's claim runs out) and
/// only when no earlier event of the same entity is still pending for that webhook, so a receiver
/// sees each entity's events in order. A 2xx answer delivers it; anything else (another status, a
/// redirect — never followed —, a timeout, a refused address) is tried again after 1, 2, 4 … minutes,
/// at most 24 h apart. A webhook that has failed for `disableAfter` without a success in between is
/// disabled and every ADMIN is notified.
struct WebhookDeliveryJob: Sendable {
    let db: any Database
    let clock: CRMClock
    let client: HTTPClient
    let config: WebhookConfig
    let logger: Logger

    static let batch = 20
    /// How long a claimed delivery is left to its instance before another may send it.
    static let lease: TimeInterval = 120
    static let disableAfter: TimeInterval = 3 * 86_400

    /// The wait before attempt `attempts + 1`: 1 min doubling, at most 24 h.
    static func backoff(afterAttempts attempts: Int) -> TimeInterval {
        min(60 * pow(2, Double(min(max(attempts - 1, 0), 20))), 86_400)
    }

    /// Sends what is due, concurrently; answers how many were delivered.
    @discardableResult
    func run() async throws -> Int {
        let now = clock.now
        let due = try await db.sql.raw("""
            SELECT d.id AS id, d.next_attempt_at AS next_attempt_at FROM webhook_deliveries d
            JOIN webhooks w ON w.id = d.webhook_id
            WHERE d.status = \(bind: WebhookDeliveryStatus.pending.rawValue) AND d.next_attempt_at <= \(bind: now)
              AND w.active = \(bind: true)
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                              WHERE e.webhook_id = d.webhook_id AND e.entity_key = d.entity_key
                                AND e.status = \(bind: WebhookDeliveryStatus.pending.rawValue) AND e.event_seq < d.event_seq)
            ORDER BY d.next_attempt_at, d.event_seq LIMIT \(unsafeRaw: String(Self.batch))
            """).all()
        var claimed: [Claimed] = []
        for row in due {
            if let claim = try await claim(try row.decode(column: "id", as: UUID.self),
                                           seen: try row.decode(column: "next_attempt_at", as: Date.self), now: now) {
                claimed.append(claim)
            }
        }
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            for claim in claimed { group.addTask { try await send(claim) } }
            var delivered = 0
            for try await ok in group where ok { delivered += 1 }
            return delivered
        }
    }

    /// A delivery this instance now holds, with what it sends.
    struct Claimed: Sendable {
        var id: UUID
        var webhookID: UUID
        var url: String
        var secret: String
        var eventID: UUID
        var body: String
        var attempts: Int
    }

    private func claim(_ id: UUID, seen: Date, now: Date) async throws -> Claimed? {
        // Only the instance whose update still sees the old time gets the row back.
        guard let attempts = try await db.sql.raw("""
            UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = \(bind: now.addingTimeInterval(Self.lease))
            WHERE id = \(bind: id) AND next_attempt_at = \(bind: seen) AND status = \(bind: WebhookDeliveryStatus.pending.rawValue)
            RETURNING attempts
            """).first()?.decode(column: "attempts", as: Int.self) else { return nil }
        guard let row = try await db.sql.raw("""
            SELECT d.webhook_id AS webhook_id, w.url AS url, w.secret AS secret, e.id AS event_id, e.body AS body
            FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_events e ON e.seq = d.event_seq
            WHERE d.id = \(bind: id)
            """).first() else { return nil }
        return Claimed(id: id, webhookID: try row.decode(column: "webhook_id", as: UUID.self),
                       url: try row.decode(column: "url", as: String.self), secret: try row.decode(column: "secret", as: String.self),
                       eventID: try row.decode(column: "event_id", as: UUID.self), body: try row.decode(column: "body", as: String.self),
                       attempts: attempts)
    }

    /// One attempt; whether it was delivered.
    private func send(_ claim: Claimed) async throws -> Bool {
        let outcome = await attempt(claim)
        let now = clock.now
        if case let .delivered(code) = outcome {
            try await db.transaction { db in
                try await db.sql.raw("""
                    UPDATE webhook_deliveries SET status = \(bind: WebhookDeliveryStatus.delivered.rawValue), delivered_at = \(bind: now),
                      last_attempt_at = \(bind: now), last_status_code = \(bind: code), last_error = NULL
                    WHERE id = \(bind: claim.id)
                    """).run()
                try await db.sql.raw("UPDATE webhooks SET failing_since = NULL WHERE id = \(bind: claim.webhookID) AND failing_since IS NOT NULL").run()
            }
            return true
        }
        guard case let .failed(code, kind) = outcome else { return false }
        try await db.transaction { db in
            try await db.sql.raw("""
                UPDATE webhook_deliveries SET last_attempt_at = \(bind: now), last_status_code = \(bind: code), last_error = \(bind: kind),
                  next_attempt_at = \(bind: now.addingTimeInterval(Self.backoff(afterAttempts: claim.attempts)))
                WHERE id = \(bind: claim.id)
                """).run()
            try await db.sql.raw("""
                UPDATE webhooks SET failing_since = \(bind: now) WHERE id = \(bind: claim.webhookID) AND failing_since IS NULL
                """).run()
            // Failing since long enough: switched off, once (only the update that still sees it active).
            guard let since = try await db.sql.raw("SELECT failing_since FROM webhooks WHERE id = \(bind: claim.webhookID)")
                .first()?.decode(column: "failing_since", as: Date?.self),
                now.timeIntervalSince(since) >= Self.disableAfter else { return }
            let reason = "Failing since \(Timestamp.format(since)); the last attempt got \(code.map { "HTTP \($0)" } ?? kind)."
            guard let disabled = try await db.sql.raw("""
                UPDATE webhooks SET active = \(bind: false), disabled_at = \(bind: now), updated_at = \(bind: now),
                  disabled_reason = \(bind: reason)
                WHERE id = \(bind: claim.webhookID) AND active = \(bind: true)
                RETURNING url
                """).first() else { return }
            try await Self.notifyAdmins(webhookID: claim.webhookID, url: try disabled.decode(column: "url", as: String.self),
                                        on: db, clock: clock)
        }
        logger.notice("webhook delivery failed", metadata: ["delivery": "\(claim.id)", "attempts": "\(claim.attempts)",
                                                            "error": "\(code.map { "http-\($0)" } ?? kind)"])
        return false
    }

    private enum Outcome {
        case delivered(Int)
        case failed(Int?, String)
    }

    private func attempt(_ claim: Claimed) async -> Outcome {
        do {
            try await WebhookTarget(allowHosts: config.allowHosts).check(claim.url)
        } catch {
            return .failed(nil, error.kind)
        }
        let timestamp = Int(clock.now.timeIntervalSince1970)
        var request = HTTPClientRequest(url: claim.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "NativeCRM-Webhooks/1")
        request.headers.add(name: "webhook-id", value: claim.eventID.uuidString)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(name: "webhook-signature", value: WebhookSignature.sign(
            secret: claim.secret, id: claim.eventID.uuidString, timestamp: timestamp, body: claim.body))
        request.body = .bytes(ByteBuffer(string: claim.body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(config.timeout * 1000)))
            let code = Int(response.status.code)
            return (200..<300).contains(code) ? .delivered(code) : .failed(code, "http-\(code)")
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .failed(nil, "timeout")
        } catch {
            return .failed(nil, "unreachable")
        }
    }

    /// Tells every active ADMIN that a webhook was switched off (in the disabling transaction).
    static func notifyAdmins(webhookID: UUID, url: String, on db: any Database, clock: CRMClock) async throws {
        let admins = try await User.query(on: db).filter(\.$role == .admin).filter(\.$active == true)
            .filter(\.$kind == .person).all()
        let service = NotificationService(db: db, clock: clock)
        for admin in admins {
            try await service.deliver(NotificationDraft(
                userID: admin.id!, type: .webhookDisabled, title: "Webhook disabled",
                body: "The webhook to \(String(url.prefix(200))) has failed for 3 days and was switched off. "
                    + "Fix the receiver, then turn it on again.",
                entityType: "webhook", entityID: webhookID,
                deliveryKey: "webhook_disabled:\(webhookID.uuidString):\(Timestamp.milliseconds(clock.now))"))
        }
    }

    /// Delivered deliveries (and the events nobody still waits for) are kept this long, then deleted.
    static let keptDelivered: TimeInterval = 30 * 86_400

    static func purgeDelivered(on db: any Database, now: Date) async throws {
        let cutoff = now.addingTimeInterval(-keptDelivered)
        try await db.sql.raw("""
            DELETE FROM webhook_deliveries WHERE status = \(bind: WebhookDeliveryStatus.delivered.rawValue)
              AND delivered_at < \(bind: cutoff)
            """).run()
        try await db.sql.raw("""
            DELETE FROM webhook_events WHERE created_at < \(bind: cutoff)
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = webhook_events.seq)
            """).run()
    }
}

extension WebhookDeliveryJob {
    /// The client deliveries go out with: redirects are answers, never followed; each attempt is cut at
    /// the configured timeout (connecting included).
    static func makeClient(_ config: WebhookConfig) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Int64(config.timeout * 1000)), read: .milliseconds(Int64(config.timeout * 1000))))
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

/// Runs `WebhookDeliveryJob` every second while the server runs (at once again while deliveries are due).
enum WebhookWorker {
    static func loop() -> BackgroundLoop {
        BackgroundLoop(label: "crm.webhooks", name: "webhook worker") { app in
            let client = WebhookDeliveryJob.makeClient(app.crmConfig.webhooks)
            let job = WebhookDeliveryJob(db: app.db, clock: app.clock, client: client, config: app.crmConfig.webhooks,
                                         logger: Logger(label: "crm.webhooks"))
            return .init(interval: .seconds(1), run: { try await job.run() > 0 },
                         finish: { try? await client.shutdown() })
        }
    }
}

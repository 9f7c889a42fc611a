import AsyncHTTPClient
import Foundation
import SQLKit
import Testing
import Vapor
@testable import NativeCRM

/// Outbound webhooks: ADMIN-managed subscriptions; events written to the outbox in the change's
/// transaction and delivered at least once, signed (Standard Webhooks), in order per entity, retried
/// with backoff, never to private addresses unless allow-listed; a hook failing for 3 days is disabled.
@Suite("Webhooks")
struct WebhookTests {
    /// The receiving system's stand-in: `/receiver/<mode>` records each request, then answers 204 (`ok`),
    /// 500 the first time (`fail-first`), always 500 (`fail`), after 2 s (`slow`) or with a redirect to `ok`.
    final class Receiver: @unchecked Sendable {
        struct Received {
            var mode: String
            var id: String
            var timestamp: String
            var signature: String
            var body: String
            var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
            var type: String { json["type"] as? String ?? "" }
        }

        let lock = NSLock()
        var received: [Received] = []

        var all: [Received] { lock.withLock { received } }
        func count(_ mode: String) -> Int { all.filter { $0.mode == mode }.count }

        func routes(_ app: Application) {
            app.on(.POST, "receiver", ":mode", body: .collect(maxSize: "1mb")) { req async throws -> Response in
                let mode = req.parameters.get("mode") ?? ""
                let entry = Received(mode: mode, id: req.headers.first(name: "webhook-id") ?? "",
                                     timestamp: req.headers.first(name: "webhook-timestamp") ?? "",
                                     signature: req.headers.first(name: "webhook-signature") ?? "",
                                     body: req.body.string ?? "")
                let seen = self.lock.withLock { () -> Int in
                    self.received.append(entry)
                    return self.received.filter { $0.mode == mode }.count
                }
                switch mode {
                case "fail-first" where seen == 1, "fail": return Response(status: .internalServerError)
                case "slow": try await Task.sleep(for: .seconds(2))
                case "redirect":
                    return Response(status: .found, headers: ["Location": "/receiver/ok"])
                default: break
                }
                return Response(status: .noContent)
            }
        }
    }

    /// The signature as Python's `hmac` computes it from the secret, id, timestamp and raw body (an
    /// implementation independent of the server's).
    static func pythonSignature(secret: String, id: String, timestamp: String, body: String) throws -> String {
        try python("""
            import base64, hashlib, hmac, sys
            key = base64.b64decode(sys.argv[1].removeprefix('whsec_'))
            content = sys.argv[2].encode() + b'.' + sys.argv[3].encode() + b'.' + sys.stdin.buffer.read()
            print('v1,' + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode())
            """, [secret, id, timestamp], input: body)
    }

    /// Runs the delivery job once, as an instance with `config` would.
    @discardableResult
    func deliver(_ t: TestContext, config: WebhookConfig = .init(allowHosts: ["127.0.0.1"], timeout: 0.5)) async throws -> Int {
        let client = WebhookDeliveryJob.makeClient(config)
        do {
            let delivered = try await WebhookDeliveryJob(db: t.app.db, clock: t.app.clock, client: client, config: config,
                                                         logger: Logger(label: "test")).run()
            try await client.shutdown()
            return delivered
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func hook(_ t: TestContext, _ token: String, mode: String = "ok", events: [String] = ["lead.created"]) async throws
        -> (id: String, secret: String)
    {
        let made = try await t.post("/crm/webhooks", token: token, ["url": t.baseURL + "/receiver/" + mode, "events": events])
        #expect(made.status == .created, "\(made.text)")
        return (made.json.string("id") ?? "", made.json.string("secret") ?? "")
    }

    func count(_ t: TestContext, _ table: String) async throws -> Int {
        try await t.app.db.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()?.decode(column: "n", as: Int.self) ?? -1
    }

    func deliveries(_ t: TestContext, _ token: String, _ hookID: String) async throws -> [[String: Any]] {
        let response = try await t.get("/crm/webhooks/\(hookID)/deliveries", token: token)
        #expect(response.status == .ok, "\(response.text)")
        return response.list
    }

    func newLead(_ t: TestContext, _ token: String, _ name: String = "Nora") async throws -> String {
        t.createdID(try await t.post("/crm/leads", token: token,
                                     ["source": "website", "firstName": name, "email": "\(name.lowercased())-\(UUID().uuidString.prefix(6))@mail.test"]))
    }

    // MARK: Managing webhooks

    @Test func anAdminSubscribesAURLAndTheSecretIsShownOnce() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let made = try await t.post("/crm/webhooks", token: admin.token, [
                "url": t.baseURL + "/receiver/ok", "events": ["lead.created", "lead.converted", "lead.created"],
                "description": "Marketing automation",
            ])
            #expect(made.status == .created, "\(made.text)")
            let secret = made.json.string("secret") ?? ""
            #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
            #expect(made.json["events"] as? [String] == ["lead.created", "lead.converted"], "an event given twice is kept once")
            #expect(made.json.bool("active") == true && made.json.isNull("failingSince") && made.json.isNull("disabledAt"))
            let id = made.json.string("id") ?? ""

            let list = try await t.get("/crm/webhooks", token: admin.token)
            #expect(list.status == .ok && list.list.count == 1 && !list.text.contains(secret) && list.list.first?["secret"] == nil)
            let one = try await t.get("/crm/webhooks/\(id)", token: admin.token)
            #expect(one.status == .ok && one.json.string("description") == "Marketing automation" && !one.text.contains(secret))

            let changed = try await t.patch("/crm/webhooks/\(id)", token: admin.token,
                                            ["events": ["customer.updated"], "description": NSNull(), "active": false])
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(changed.json["events"] as? [String] == ["customer.updated"] && changed.json.isNull("description"))
            #expect(changed.json.bool("active") == false && !changed.json.isNull("disabledAt"))
            let on = try await t.patch("/crm/webhooks/\(id)", token: admin.token, ["active": true])
            #expect(on.json.bool("active") == true && on.json.isNull("disabledAt") && on.json.isNull("disabledReason"))

            let audit = try await t.get("/crm/audit?entityType=webhook", token: admin.token)
            #expect(audit.list.count == 3 && !audit.text.contains(secret), "created and changed twice; never the secret")

            #expect(try await t.request(.DELETE, "/crm/webhooks/\(id)", token: admin.token).status == .noContent)
            #expect(try await t.get("/crm/webhooks/\(id)", token: admin.token).status == .notFound)
            #expect(try await t.request(.DELETE, "/crm/webhooks/\(id)", token: admin.token).status == .notFound)
        }
    }

    @Test func badSubscriptionsAre400NamingTheField() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let url = t.baseURL + "/receiver/ok"
            for (body, field) in [
                (["url": url, "events": []] as [String: Any], "events"),
                (["url": url, "events": ["lead.deleted"]], "events[0]"),
                (["url": url], "events"),
                (["url": "ftp://127.0.0.1/x", "events": ["lead.created"]], "url"),
                (["url": "http://user:pw@127.0.0.1/x", "events": ["lead.created"]], "url"),
                (["url": "not a url", "events": ["lead.created"]], "url"),
                (["url": "http://127.0.0.1/" + String(repeating: "a", count: 2_001), "events": ["lead.created"]], "url"),
                (["url": url, "events": ["lead.created"], "description": String(repeating: "d", count: TextLimits.notes + 1)],
                 "description"),
            ] {
                let response = try await t.post("/crm/webhooks", token: admin.token, body)
                #expect(response.status == .badRequest && response.isProblem && response.errorFields.contains(field),
                        "\(body): \(response.text)")
            }
            #expect(try await count(t, "webhooks") == 0)
        }
    }

    @Test func privateLoopbackAndMetadataTargetsAreRefusedUnlessAllowListed() async throws {
        try await withCRM(webhooks: .init(allowHosts: ["hooks.internal.test"])) { (t: TestContext) async throws in
            let admin = try await t.admin()
            for target in ["http://127.0.0.1:9/x", "http://localhost/x", "http://10.0.0.5/x", "http://172.16.3.4/x",
                           "http://192.168.1.10/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/x",
                           "http://[::ffff:127.0.0.1]/x", "http://[fd00::1]/x", "http://[fe80::1]/x", "http://0.0.0.0/x",
                           "http://2130706433/x", "http://0x7f000001/x", "http://100.64.0.1/x", "https://127.1/x"] {
                let response = try await t.post("/crm/webhooks", token: admin.token, ["url": target, "events": ["lead.created"]])
                #expect(response.status == .badRequest && response.errorFields == ["url"], "\(target): \(response.text)")
            }
            let unknown = try await t.post("/crm/webhooks", token: admin.token,
                                           ["url": "https://no-such-host.invalid/x", "events": ["lead.created"]])
            #expect(unknown.status == .badRequest && unknown.text.contains("does not resolve"), "\(unknown.text)")
            #expect(try await count(t, "webhooks") == 0)
            // The public internet passes the check (addresses only, nothing is resolved or sent).
            #expect(WebhookTarget.isPublic([93, 184, 216, 34]) && WebhookTarget.isPublic([0x26, 0x06, 0x28, 0] + Array(repeating: 0, count: 12)))
            #expect(!WebhookTarget.isPublic([0, 0x64, 0xFF, 0x9B] + Array(repeating: 0, count: 8) + [10, 0, 0, 1]), "NAT64 of 10.0.0.1")
        }
    }

    @Test func onlyAnAdminManagesWebhooks() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let (id, _) = try await hook(t, admin.token)
            for token in [desk.token, sales.token] {
                #expect(try await t.get("/crm/webhooks", token: token).status == .forbidden)
                #expect(try await t.post("/crm/webhooks", token: token, ["url": t.baseURL + "/receiver/ok", "events": ["lead.created"]])
                    .status == .forbidden)
                #expect(try await t.get("/crm/webhooks/\(id)/deliveries", token: token).status == .forbidden)
            }
            #expect(try await t.get("/crm/webhooks").status == .unauthorized)
        }
    }

    // MARK: The outbox

    @Test func eachChangeWritesItsEventsOnceInItsTransactionAndNothingWithoutASubscriber() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            _ = try await t.makeUser(.salesperson)
            _ = try await newLead(t, admin.token, "Before")
            #expect(try await count(t, "webhook_events") == 0, "no subscriber: nothing written")

            let (id, _) = try await hook(t, admin.token, events: ["lead.created", "lead.assigned"])
            _ = try await hook(t, admin.token, events: ["lead.created"])
            let lead = try await newLead(t, admin.token)
            let refused = try await t.post("/crm/leads", token: admin.token, ["source": "website", "firstName": "No contact"])
            #expect(refused.status == .badRequest)
            let events = try await t.app.db.sql.raw("SELECT type, entity_id FROM webhook_events ORDER BY seq").all()
            #expect(try events.map { try $0.decode(column: "type", as: String.self) } == ["lead.created", "lead.assigned"],
                    "one row per event, in order; the refused lead wrote none")
            #expect(try events.allSatisfy { try $0.decode(column: "entity_id", as: UUID.self).uuidString == lead })
            #expect(try await count(t, "webhook_deliveries") == 3, "created to both hooks, assigned to the one that asked")
            let log = try await deliveries(t, admin.token, id)
            #expect(Set(log.map { $0.string("eventType") ?? "" }) == ["lead.created", "lead.assigned"])
            #expect(log.allSatisfy { $0.string("status") == "pending" && $0.int("attempts") == 0 && $0.string("entityId") == lead })
        }
    }

    @Test func everyEventTypeIsWrittenByItsChange() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let s = try await t.clinicSetup()
            _ = try await hook(t, admin.token, events: WebhookEventType.allCases.map(\.rawValue))
            let lead = try await newLead(t, admin.token, "Mila")
            #expect(try await t.patch("/crm/leads/\(lead)", token: admin.token, ["status": "converted"]).status == .ok)
            let customer = try await t.makeCustomer(s.desk.token, email: "cara@mail.test", salesID: s.sales.id)
            #expect(try await t.patch("/crm/customers/\(customer)", token: s.desk.token, ["lastName": "Rossi"]).status == .ok)
            #expect(try await t.patch("/crm/customers/\(customer)", token: s.desk.token, [:]).status == .ok)
            _ = try await t.logCommunication(s.sales.token, customer: customer)
            let action = t.createdID(try await t.post("/crm/actions", token: s.sales.token,
                                                      ["customerId": customer, "actionType": "phone_call", "title": "Call back"]))
            #expect(try await t.put("/crm/actions/\(action)", token: s.sales.token, ["status": "completed"]).status == .ok)
            let kept = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                              clinic: s.clinic, start: day(-1)))
            let dropped = t.createdID(try await t.bookAppointment(s.desk.token, customer: customer, service: s.service,
                                                                 clinic: s.clinic, start: day(3)))
            #expect(try await t.patch("/crm/appointments/\(kept)", token: s.desk.token, ["status": "completed"]).status == .ok)
            #expect(try await t.patch("/crm/appointments/\(dropped)", token: s.desk.token, ["status": "cancelled"]).status == .ok)

            let rows = try await t.app.db.sql.raw("SELECT type, body FROM webhook_events ORDER BY seq").all()
            let types = try rows.map { try $0.decode(column: "type", as: String.self) }
            for type in WebhookEventType.allCases {
                #expect(types.contains(type.rawValue), "\(type.rawValue) in \(types)")
            }
            #expect(types.filter { $0 == "customer.updated" }.count == 1, "an edit that changes nothing announces nothing")
            #expect(types.firstIndex(of: "lead.created")! < types.firstIndex(of: "lead.converted")!)
            // The body is the entity as the API shows it.
            let converted = try rows.first { try $0.decode(column: "type", as: String.self) == "lead.converted" }
            let body = try JSONSerialization.jsonObject(with: Data(try converted!.decode(column: "body", as: String.self).utf8)) as? [String: Any]
            let data = body?["data"] as? [String: Any] ?? [:]
            #expect(body?["type"] as? String == "lead.converted" && body?["timestamp"] as? String == "2025-06-02T09:00:00.000Z")
            #expect(data.string("id") == lead && data.string("status") == "converted" && data.string("convertedCustomerId") != nil)
        }
    }

    @Test func twoInstancesWriteOneOutboxRowPerEventAndSendEachOnce() async throws {
        let receiver = Receiver()
        try await withCRM(extraRoutes: { receiver.routes($0) }) { (t: TestContext) async throws in
            let admin = try await t.admin()
            _ = try await hook(t, admin.token, events: ["lead.created"])
            try await t.withSecondInstance { second in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<16 {
                        let target = index % 2 == 0 ? t : second
                        group.addTask { _ = try await newLead(target, admin.token, "Lead\(index)") }
                    }
                    try await group.waitForAll()
                }
                #expect(try await count(t, "webhook_events") == 16)
                #expect(try await count(t, "webhook_deliveries") == 16)
                async let first = deliver(t)
                async let other = deliver(second)
                let sent = try await first + other
                #expect(sent == 16, "each delivery claimed by exactly one instance")
            }
            #expect(receiver.count("ok") == 16 && Set(receiver.all.map(\.id)).count == 16, "no event sent twice")
        }
    }

    // MARK: Delivery

    @Test func aDeliveryIsSignedSoAnIndependentImplementationVerifiesIt() async throws {
        let receiver = Receiver()
        try await withCRM(extraRoutes: { receiver.routes($0) }) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let (id, secret) = try await hook(t, admin.token)
            let lead = try await newLead(t, admin.token)
            #expect(try await deliver(t) == 1)
            #expect(try await deliver(t) == 0, "delivered once")
            let got = try #require(receiver.all.first)
            #expect(got.timestamp == String(Int(t.clock.now.timeIntervalSince1970)))
            #expect(got.signature.hasPrefix("v1,"))
            #expect(try Self.pythonSignature(secret: secret, id: got.id, timestamp: got.timestamp, body: got.body) == got.signature)
            #expect(try Self.pythonSignature(secret: secret, id: got.id, timestamp: got.timestamp, body: got.body + " ") != got.signature)
            #expect(got.type == "lead.created" && (got.json["data"] as? [String: Any])?.string("id") == lead)
            let log = try await deliveries(t, admin.token, id)
            #expect(log.count == 1 && log[0].string("status") == "delivered" && log[0].int("lastResponseCode") == 204)
            #expect(log[0].string("eventId") == got.id && log[0].isNull("nextAttemptAt") && log[0].string("entityId") == lead)
            #expect(log[0].string("entityType") == "lead" && log[0].int("attempts") == 1)
        }
    }

    @Test func eachEntitysEventsArriveInOrderEvenWhenTheFirstFails() async throws {
        let receiver = Receiver()
        try await withCRM(extraRoutes: { receiver.routes($0) }) { (t: TestContext) async throws in
            let admin = try await t.admin()
            _ = try await t.makeUser(.salesperson)
            let (id, _) = try await hook(t, admin.token, mode: "fail-first", events: ["lead.created", "lead.assigned"])
            let lead = try await newLead(t, admin.token)
            #expect(try await deliver(t) == 0)
            #expect(receiver.all.map(\.type) == ["lead.created"], "lead.assigned waits behind the failed lead.created")
            #expect(try await deliver(t) == 0, "the failed one is not due yet; the next still waits")
            t.clock.advance(seconds: 61)
            #expect(try await deliver(t) == 1)
            #expect(try await deliver(t) == 1)
            #expect(receiver.all.map(\.type) == ["lead.created", "lead.created", "lead.assigned"])
            #expect(receiver.all[0].id == receiver.all[1].id, "a retry keeps its webhook-id")
            #expect(try await deliveries(t, admin.token, id).allSatisfy { $0.string("status") == "delivered" })
            _ = lead
        }
    }

    @Test func aFailedAttemptIsRetriedWithBackoffAfterA500ATimeoutOrARedirect() async throws {
        let receiver = Receiver()
        try await withCRM(extraRoutes: { receiver.routes($0) }) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let failing = try await hook(t, admin.token, mode: "fail-first")
            let slow = try await hook(t, admin.token, mode: "slow")
            let redirect = try await hook(t, admin.token, mode: "redirect")
            _ = try await newLead(t, admin.token)
            let started = Date()
            #expect(try await deliver(t) == 0)
            #expect(Date().timeIntervalSince(started) < 1.9, "the 2 s answer is cut at the 0.5 s timeout")
            #expect(receiver.count("ok") == 0, "a redirect is never followed")
            for (hook, code, error) in [(failing.id, 500, "http-500"), (redirect.id, 302, "http-302")] {
                let log = try await deliveries(t, admin.token, hook)
                #expect(log.first?.string("status") == "retrying" && log.first?.int("attempts") == 1)
                #expect(log.first?.int("lastResponseCode") == code && log.first?.string("lastError") == error, "\(log)")
                #expect(log.first?.string("nextAttemptAt") == "2025-06-02T09:01:00.000Z")
            }
            let timedOut = try await deliveries(t, admin.token, slow.id)
            #expect(timedOut.first?.string("lastError") == "timeout" && timedOut.first?.isNull("lastResponseCode") == true)
            let listed = try await t.get("/crm/webhooks/\(failing.id)", token: admin.token)
            #expect(listed.json.string("failingSince") == "2025-06-02T09:00:00.000Z")

            t.clock.advance(seconds: 61)
            #expect(try await deliver(t, config: .init(allowHosts: ["127.0.0.1"], timeout: 5)) == 2,
                    "the 500 and the slow one succeed on their second try")
            #expect(try await t.get("/crm/webhooks/\(failing.id)", token: admin.token).json.isNull("failingSince"))
            #expect(try await deliveries(t, admin.token, redirect.id).first?.string("nextAttemptAt") == "2025-06-02T09:03:01.000Z",
                    "then 2 minutes")
            #expect(WebhookDeliveryJob.backoff(afterAttempts: 1) == 60 && WebhookDeliveryJob.backoff(afterAttempts: 4) == 480
                    && WebhookDeliveryJob.backoff(afterAttempts: 11) == 61_440 && WebhookDeliveryJob.backoff(afterAttempts: 12) == 86_400 && WebhookDeliveryJob.backoff(afterAttempts: 500) == 86_400)
            let filtered = try await t.get("/crm/webhooks/\(redirect.id)/deliveries?status=delivered", token: admin.token)
            #expect(filtered.status == .ok && filtered.list.isEmpty)
            #expect(try await t.get("/crm/webhooks/\(redirect.id)/deliveries?status=lost", token: admin.token).status == .badRequest)
        }
    }

    @Test func aTargetThatTurnedPrivateIsNotCalled() async throws {
        let receiver = Receiver()
        try await withCRM(extraRoutes: { receiver.routes($0) }) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let (id, _) = try await hook(t, admin.token)
            _ = try await newLead(t, admin.token)
            // An instance without the allow list checks the address again before sending.
            #expect(try await deliver(t, config: .init(allowHosts: [], timeout: 0.5)) == 0)
            #expect(receiver.all.isEmpty)
            #expect(try await deliveries(t, admin.token, id).first?.string("lastError") == "refused-address")
        }
    }

    @Test func aHookFailingForThreeDaysIsDisabledAndTheAdminsAreTold() async throws {
        let receiver = Receiver()
        try await withCRM(tokenTTL: 2_592_000, extraRoutes: { receiver.routes($0) }) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let (id, _) = try await hook(t, admin.token, mode: "fail")
            _ = try await newLead(t, admin.token)
            var hours = 0.0
            while hours < 72 {
                _ = try await deliver(t)
                #expect(try await t.get("/crm/webhooks/\(id)", token: admin.token).json.bool("active") == true)
                let next = try await deliveries(t, admin.token, id).first?.string("nextAttemptAt") ?? ""
                let wait = Timestamp.parse(next)!.timeIntervalSince(t.clock.now) + 1
                t.clock.advance(seconds: wait)
                hours += wait / 3600
            }
            _ = try await deliver(t)
            let hook = try await t.get("/crm/webhooks/\(id)", token: admin.token).json
            #expect(hook.bool("active") == false && !hook.isNull("disabledAt"), "\(hook)")
            #expect(hook.string("disabledReason")?.contains("HTTP 500") == true && hook.string("failingSince") == "2025-06-02T09:00:00.000Z")
            let inbox = try await t.get("/crm/notifications", token: admin.token).list
            #expect(inbox.contains { $0.string("type") == "webhook_disabled" && $0.string("entityId") == id }, "\(inbox)")
            let attempts = receiver.count("fail")
            t.clock.advance(seconds: 86_400)
            _ = try await deliver(t)
            #expect(receiver.count("fail") == attempts, "a disabled hook gets nothing")
            let delivery = try await deliveries(t, admin.token, id).first?.string("id") ?? ""
            let refused = try await t.post("/crm/webhooks/\(id)/deliveries/\(delivery)/redeliver", token: admin.token, [:])
            #expect(refused.status == .conflict && refused.json.string("type") == "urn:native-crm:problem:webhook-inactive", "\(refused.text)")
            #expect(try await t.patch("/crm/webhooks/\(id)", token: admin.token, ["active": true]).json.isNull("failingSince"))
            _ = try await deliver(t)
            #expect(receiver.count("fail") == attempts + 1, "on again: its waiting delivery resumes")
        }
    }

    @Test func aDeliveryCanBeSentAgain() async throws {
        let receiver = Receiver()
        try await withCRM(extraRoutes: { receiver.routes($0) }) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let (id, _) = try await hook(t, admin.token)
            _ = try await newLead(t, admin.token)
            #expect(try await deliver(t) == 1)
            let delivery = try await deliveries(t, admin.token, id).first?.string("id") ?? ""
            let again = try await t.post("/crm/webhooks/\(id)/deliveries/\(delivery)/redeliver", token: admin.token, [:])
            #expect(again.status == .accepted && again.json.string("status") == "pending" && again.json.int("attempts") == 0,
                    "\(again.text)")
            #expect(try await deliver(t) == 1)
            #expect(receiver.all.count == 2 && receiver.all[0].id == receiver.all[1].id)
            let other = try await hook(t, admin.token)
            #expect(try await t.post("/crm/webhooks/\(other.id)/deliveries/\(delivery)/redeliver", token: admin.token, [:])
                .status == .notFound, "another hook's delivery")
        }
    }

    @Test func theWorkerDeliversWhileTheServerRuns() async throws {
        let receiver = Receiver()
        try await withCRM(extraRoutes: { receiver.routes($0) }) { (t: TestContext) async throws in
            let admin = try await t.admin()
            _ = try await hook(t, admin.token)
            let worker = WebhookWorker.loop()
            try worker.didBoot(t.app)
            _ = try await newLead(t, admin.token)
            for _ in 0..<60 where receiver.all.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            #expect(receiver.all.count == 1, "delivered within 3 s")
            let started = ContinuousClock.now
            await worker.shutdownAsync(t.app)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }
}

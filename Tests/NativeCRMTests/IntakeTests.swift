import Foundation
import SQLKit
import Testing
import Vapor
@testable import NativeCRM

/// `POST /crm/intake/leads`: a website's lead arrives with an intake key, once per (source, externalId),
/// with its attribution, linked to a matching customer and assigned as any lead.
@Suite("Lead intake")
struct IntakeTests {
    static func websiteLead(_ externalID: String? = "form-1", email: String = "giulia@mail.test") -> [String: Any] {
        var body: [String: Any] = [
            "source": "website", "firstName": "Giulia", "lastName": "Bianchi", "email": email,
            "notes": "Lip filler", "attribution": ["utm_source": "instagram", "utm_campaign": "spring", "gclid": "abc"],
        ]
        if let externalID { body["externalId"] = externalID }
        return body
    }

    @Test func aWebsiteLeadIsStoredWithItsAttributionAndAssigned() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let seller = try await t.makeUser(.salesperson)
            let (keyID, key) = try await t.makeKey(admin.token, role: .secretariat, scopes: ["intake"])
            let made = try await t.post("/crm/intake/leads", token: key, Self.websiteLead())
            #expect(made.status == .created, "\(made.text)")
            let lead = made.json
            #expect(lead.string("externalId") == "form-1" && lead.string("source") == "website" && lead.string("status") == "new")
            #expect(lead["attribution"] as? [String: String] == ["utm_source": "instagram", "utm_campaign": "spring", "gclid": "abc"])
            #expect(lead.string("assignedSalesId") == seller.id && lead.string("createdBy") == keyID)
            #expect(lead.isNull("matchedCustomerId") && lead.bool("isTest") == false)
            #expect(made.headers.first(name: .eTag) == "\"1\"")
            let inbox = try await t.get("/crm/notifications", token: seller.token).list
            #expect(inbox.contains { $0.string("type") == "lead_assigned" }, "the salesperson is told")
            let shown = try await t.get("/crm/leads/\(lead.string("id") ?? "")", token: admin.token).json
            #expect(shown["attribution"] as? [String: String] == lead["attribution"] as? [String: String])
        }
    }

    @Test func aRepeatedDeliveryAnswersTheFirstLead() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            _ = try await t.makeUser(.salesperson)
            let (_, key) = try await t.makeKey(admin.token, scopes: ["intake"])
            let first = try await t.post("/crm/intake/leads", token: key, Self.websiteLead())
            let again = try await t.post("/crm/intake/leads", token: key, Self.websiteLead(email: "other@mail.test"))
            #expect(first.status == .created && again.status == .ok)
            #expect(again.json.string("id") == first.json.string("id") && again.json.string("email") == "giulia@mail.test")
            var otherSource = Self.websiteLead()
            otherSource["source"] = "facebook_ads"
            #expect(try await t.post("/crm/intake/leads", token: key, otherSource).status == .created, "unique per source")
            #expect(try await t.post("/crm/intake/leads", token: key, Self.websiteLead(nil)).status == .created)
            #expect(try await t.post("/crm/intake/leads", token: key, Self.websiteLead(nil)).status == .created,
                    "without an externalId every delivery is a lead")
            #expect(try await t.get("/crm/leads", token: admin.token).list.count == 4)
        }
    }

    @Test func parallelDeliveriesOfOneLeadMakeOneLead() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            _ = try await t.makeUser(.salesperson)
            let (_, key) = try await t.makeKey(admin.token, scopes: ["intake"])
            let statuses = try await withThrowingTaskGroup(of: (HTTPStatus, String?).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await t.post("/crm/intake/leads", token: key, Self.websiteLead("race-1"))
                        return (response.status, response.json.string("id"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0.0 == .created }.count == 1, "\(statuses.map(\.0.code))")
            #expect(statuses.allSatisfy { $0.0 == .created || $0.0 == .ok })
            #expect(Set(statuses.compactMap(\.1)).count == 1, "every answer is the one lead")
            let count = try await t.app.db.sql.raw("SELECT COUNT(*) AS n FROM leads").first()?.decode(column: "n", as: Int.self)
            #expect(count == 1)
        }
    }

    @Test func aLeadOfAKnownCustomerIsLinkedAndGoesToTheirSalesperson() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            _ = try await t.makeUser(.salesperson)  // fewer open leads: would get it by load
            let owner = try await t.makeUser(.salesperson)
            _ = try await t.post("/crm/leads", token: admin.token,
                                 ["source": "referral", "firstName": "Old", "phone": "+41790000001", "assignedSalesId": owner.id])
            let customer = try await t.makeCustomer(admin.token, email: "known@mail.test", phone: "+41 79 555 12 34", salesID: owner.id)
            let (_, key) = try await t.makeKey(admin.token, scopes: ["intake"])
            let byEmail = try await t.post("/crm/intake/leads", token: key, Self.websiteLead("a", email: "Known@Mail.test"))
            #expect(byEmail.json.string("matchedCustomerId") == customer, "\(byEmail.text)")
            #expect(byEmail.json.string("assignedSalesId") == owner.id)
            var byPhone = Self.websiteLead("b", email: "new@mail.test")
            byPhone["email"] = nil
            byPhone["phone"] = "+41795551234"
            let phoned = try await t.post("/crm/intake/leads", token: key, byPhone)
            #expect(phoned.json.string("matchedCustomerId") == customer, "\(phoned.text)")
            let stranger = try await t.post("/crm/intake/leads", token: key, Self.websiteLead("c", email: "stranger@mail.test"))
            #expect(stranger.json.isNull("matchedCustomerId") && stranger.json.string("assignedSalesId") != owner.id)
        }
    }

    @Test func badDeliveriesAre400sNamingTheFieldAndStoreNothing() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let (_, key) = try await t.makeKey(admin.token, scopes: ["intake"])
            var body = Self.websiteLead(String(repeating: "x", count: 201))
            body["attribution"] = ["utm_source": String(repeating: "y", count: 501), "utm_foo": "bar", "<script>": "x"]
            body["email"] = nil
            body["status"] = "converted"
            let bad = try await t.post("/crm/intake/leads", token: key, body)
            #expect(bad.status == .badRequest && bad.isProblem)
            #expect(Set(bad.errorFields) == ["status", "externalId", "attribution.utm_source", "attribution.utm_foo",
                                             "attribution", "email"], "\(bad.text)")
            var numeric = Self.websiteLead()
            numeric["attribution"] = ["campaign_id": 12345]
            let typed = try await t.post("/crm/intake/leads", token: key, numeric)
            #expect(typed.status == .badRequest && typed.errorFields == ["attribution.campaign_id"], "\(typed.text)")
            #expect(try await t.get("/crm/leads", token: admin.token).list.isEmpty)
        }
    }
}

/// `POST /crm/intake/google`: Google Ads' lead form webhook, proven by `google_key`.
@Suite("Google Ads lead intake")
struct GoogleIntakeTests {
    static let key = "google-key-0123456789"

    static func payload(_ leadID: String = "lead-1", key: String = GoogleIntakeTests.key, isTest: Bool = false,
                        columns: [[String: Any]]? = nil) -> [String: Any] {
        [
            "lead_id": leadID, "api_version": "1.0", "form_id": 9_007_199_254_740_993, "campaign_id": 20_000_000_001,
            "google_key": key, "is_test": isTest, "gcl_id": "EAIaIQob", "adgroup_id": 30_000_000_001,
            "user_column_data": columns ?? [
                ["column_name": "Full Name", "string_value": "Giulia Maria Bianchi", "column_id": "FULL_NAME"],
                ["column_name": "User Email", "string_value": "giulia@mail.test", "column_id": "EMAIL"],
                ["column_name": "User Phone", "string_value": "+41 79 555 12 34", "column_id": "PHONE_NUMBER"],
                ["column_name": "City", "string_value": "Lugano", "column_id": "CITY"],
            ],
        ]
    }

    @Test func aGoogleLeadIsStoredOnceWithExactIds() async throws {
        try await withCRM(googleLeadKey: Self.key) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let seller = try await t.makeUser(.salesperson)
            let first = try await t.post("/crm/intake/google", Self.payload())
            #expect(first.status == .ok && first.json.bool("created") == true, "\(first.text)")
            let again = try await t.post("/crm/intake/google", Self.payload())
            #expect(again.status == .ok && again.json.bool("created") == false && again.json.string("id") == first.json.string("id"))
            let lead = try await t.get("/crm/leads/\(first.json.string("id") ?? "")", token: admin.token).json
            #expect(lead.string("source") == "google_ads" && lead.string("externalId") == "lead-1")
            #expect(lead.string("firstName") == "Giulia" && lead.string("lastName") == "Maria Bianchi")
            #expect(lead.string("email") == "giulia@mail.test" && lead.string("phone") == "+41795551234")
            #expect(lead["attribution"] as? [String: String] == [
                "gclid": "EAIaIQob", "campaign_id": "20000000001", "form_id": "9007199254740993", "adset_id": "30000000001",
            ], "ids above 2^53 stay exact")
            #expect((lead["metadata"] as? [String: Any])?["googleColumns"] as? [String: String] == ["CITY": "Lugano"])
            #expect(lead.string("assignedSalesId") == seller.id && lead.isNull("createdBy") && lead.bool("isTest") == false)
        }
    }

    @Test func aWrongOrMissingKeyIs401AndStoresNothing() async throws {
        try await withCRM(googleLeadKey: Self.key) { (t: TestContext) async throws in
            let admin = try await t.admin()
            for body in [Self.payload(key: "google-key-0123456780"), Self.payload(key: ""),
                         Self.payload().filter { $0.key != "google_key" }] {
                let response = try await t.post("/crm/intake/google", body)
                #expect(response.status == .unauthorized && response.isProblem, "\(response.text)")
            }
            #expect(try await t.post("/crm/intake/google", token: admin.token, Self.payload(key: "nope")).status == .unauthorized,
                    "a person's token is not Google's key")
            #expect(try await t.get("/crm/leads", token: admin.token).list.isEmpty)
        }
        try await withCRM { (t: TestContext) async throws in  // no CRM_GOOGLE_LEAD_KEY: every delivery is refused
            #expect(try await t.post("/crm/intake/google", Self.payload()).status == .unauthorized)
        }
    }

    @Test func aTestLeadIsFlaggedUnassignedAndLeftOutOfAnalytics() async throws {
        try await withCRM(googleLeadKey: Self.key) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let seller = try await t.makeUser(.salesperson)
            let test = try await t.post("/crm/intake/google", Self.payload("test-1", isTest: true))
            let real = try await t.post("/crm/intake/google", Self.payload("real-1"))
            #expect(test.status == .ok && real.status == .ok)
            let flagged = try await t.get("/crm/leads/\(test.json.string("id") ?? "")", token: admin.token).json
            #expect(flagged.bool("isTest") == true && flagged.isNull("assignedSalesId"))
            let inbox = try await t.get("/crm/notifications", token: seller.token).list
            #expect(inbox.filter { $0.string("type") == "lead_assigned" }.count == 1, "only the real lead is announced")
            // Give the test lead to the salesperson: analytics still counts only the real one.
            let moved = try await t.request(.PATCH, "/crm/leads/\(test.json.string("id") ?? "")", token: admin.token,
                                            json: ["assignedSalesId": seller.id])
            #expect(moved.status == .ok)
            let analytics = try await t.get("/crm/analytics/salesperson?salespersonId=\(seller.id)", token: admin.token).json
            let leads = analytics["leads"] as? [String: Any]
            #expect(leads?.int("total") == 1, "\(analytics)")
            #expect((leads?["bySource"] as? [String: Any])?.int("google_ads") == 1)
        }
    }

    @Test func anUnusablePayloadIsA400NamingTheColumn() async throws {
        try await withCRM(googleLeadKey: Self.key) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let noContact = try await t.post("/crm/intake/google", Self.payload(columns: [
                ["column_id": "FULL_NAME", "string_value": "Nobody"], ["column_id": "EMAIL", "string_value": "not-an-email"],
            ]))
            #expect(noContact.status == .badRequest && noContact.errorFields.contains("user_column_data.EMAIL"), "\(noContact.text)")
            var noID = Self.payload()
            noID["lead_id"] = nil
            noID["user_column_data"] = "x"
            let bad = try await t.post("/crm/intake/google", noID)
            #expect(bad.status == .badRequest && Set(bad.errorFields) == ["lead_id", "user_column_data"], "\(bad.text)")
            let unnamed = try await t.post("/crm/intake/google", Self.payload("n-1", columns: [["column_id": "EMAIL", "string_value": "x@mail.test"]]))
            #expect(unnamed.status == .ok)
            let lead = try await t.get("/crm/leads/\(unnamed.json.string("id") ?? "")", token: admin.token).json
            #expect(lead.string("firstName") == IntakeService.unnamedGoogleLead)
            #expect(try await t.get("/crm/leads", token: admin.token).list.count == 1)
        }
    }
}

/// Meta Lead Ads: the handshake, signed announcements queued once, and the details fetched from a
/// stand-in for the Graph API (real HTTP on 127.0.0.1) with its errors and a timeout.
@Suite("Meta lead intake")
struct MetaIntakeTests {
    static let secret = "meta-app-secret-0123"
    static let meta = MetaConfig(verifyToken: "verify-me", appSecret: secret)

    /// The Graph API's stand-in: `/graph/:id` answers a lead for a page token, once a 500 for `2002`, never
    /// for `4004`, too late for `3003`.
    final class Graph: @unchecked Sendable {
        let lock = NSLock()
        var calls: [String: Int] = [:]

        func routes(_ app: Application) {
            app.get("graph", ":id") { req async throws -> Response in
                let id = req.parameters.get("id") ?? ""
                let count = self.lock.withLock { self.calls[id, default: 0] += 1; return self.calls[id]! }
                guard req.headers.bearerAuthorization?.token == "page-token" else { return Response(status: .unauthorized) }
                switch id {
                case "2002" where count == 1: return Response(status: .internalServerError)
                case "4004": return Response(status: .notFound)
                case "3003": try await Task.sleep(for: .seconds(2))
                default: break
                }
                let body = """
                    {"id": "\(id)", "ad_id": 9007199254740993, "adset_id": "55", "campaign_id": "66", "form_id": "77",
                     "field_data": [{"name": "full_name", "values": ["Giulia Bianchi"]},
                                    {"name": "email", "values": ["giulia@mail.test"]},
                                    {"name": "phone_number", "values": ["+41795551234"]},
                                    {"name": "preferred_treatment", "values": ["Fillers"]}]}
                    """
                return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(string: body))
            }
        }
    }

    /// `X-Hub-Signature-256` as Python's `hmac` computes it (an implementation independent of the server's).
    static func signature(_ body: String, secret: String = secret) throws -> String {
        try python("import hmac,hashlib,sys; print('sha256=' + hmac.new(sys.argv[1].encode(), "
                   + "sys.stdin.buffer.read(), hashlib.sha256).hexdigest())", [secret], input: body)
    }

    static func announcement(_ ids: [String]) -> String {
        let changes = ids.map { #"{"field": "leadgen", "value": {"leadgen_id": \#($0), "page_id": 1, "form_id": 77, "adgroup_id": 55}}"# }
        return #"{"object": "page", "entry": [{"id": "1", "time": 1, "changes": [\#(changes.joined(separator: ", "))]}]}"#
    }

    func post(_ t: TestContext, _ body: String, signature: String?) async throws -> APIResponse {
        var headers = [("Content-Type", "application/json")]
        if let signature { headers.append(("X-Hub-Signature-256", signature)) }
        return try await t.request(.POST, "/crm/intake/meta", raw: body, headers: headers)
    }

    func job(_ t: TestContext, timeout: TimeInterval = 0.5) -> MetaLeadFetchJob {
        MetaLeadFetchJob(db: t.app.db, clock: t.app.clock, client: t.app.client,
                         config: MetaConfig(pageToken: "page-token", graphURL: t.baseURL + "/graph", timeout: timeout),
                         events: t.app.activityEvents, logger: Logger(label: "test"))
    }

    func jobCount(_ t: TestContext) async throws -> Int {
        try await t.app.db.sql.raw("SELECT COUNT(*) AS n FROM intake_jobs").first()?.decode(column: "n", as: Int.self) ?? -1
    }

    @Test func theHandshakeEchoesTheChallengeOnlyForTheVerifyToken() async throws {
        try await withCRM(meta: Self.meta) { (t: TestContext) async throws in
            let ok = try await t.get("/crm/intake/meta?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
            #expect(ok.status == .ok && ok.text == "1158201444")
            for query in ["hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", "hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1",
                          "hub.challenge=1", ""] {
                #expect(try await t.get("/crm/intake/meta?\(query)").status == .forbidden, "\(query)")
            }
        }
    }

    @Test func anUnsignedOrWronglySignedAnnouncementIs401AndQueuesNothing() async throws {
        try await withCRM(meta: Self.meta) { (t: TestContext) async throws in
            let body = Self.announcement(["1001"])
            #expect(try await post(t, body, signature: nil).status == .unauthorized)
            #expect(try await post(t, body, signature: try Self.signature(body, secret: "another-secret")).status == .unauthorized)
            #expect(try await post(t, body + " ", signature: try Self.signature(body)).status == .unauthorized, "the raw body is signed")
            #expect(try await post(t, body, signature: "sha256=zz").status == .unauthorized)
            #expect(try await jobCount(t) == 0)
        }
    }

    @Test func anAnnouncedLeadIsFetchedAndStoredOnce() async throws {
        let graph = Graph()
        try await withCRM(meta: Self.meta, extraRoutes: { graph.routes($0) }) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let seller = try await t.makeUser(.salesperson)
            let body = Self.announcement(["1001", "1001"])
            let first = try await post(t, body, signature: try Self.signature(body))
            #expect(first.status == .ok && first.json.int("queued") == 1, "\(first.text)")
            #expect(try await post(t, body, signature: try Self.signature(body)).json.int("queued") == 0, "announced again: nothing new")
            #expect(try await t.get("/crm/leads", token: admin.token).list.isEmpty, "acknowledged before any fetch")

            #expect(try await job(t).run() == 1)
            #expect(try await job(t).run() == 0, "done")
            let leads = try await t.get("/crm/leads", token: admin.token).list
            #expect(leads.count == 1)
            let lead = leads.first ?? [:]
            #expect(lead.string("source") == "facebook_ads" && lead.string("externalId") == "1001")
            #expect(lead.string("firstName") == "Giulia" && lead.string("lastName") == "Bianchi" && lead.string("email") == "giulia@mail.test")
            #expect(lead["attribution"] as? [String: String] == ["ad_id": "9007199254740993", "adset_id": "55",
                                                                  "campaign_id": "66", "form_id": "77"])
            #expect((lead["metadata"] as? [String: Any])?["metaFields"] as? [String: String] == ["preferred_treatment": "Fillers"])
            #expect(lead.string("assignedSalesId") == seller.id)
            #expect(graph.lock.withLock { graph.calls["1001"] } == 1, "fetched once")
        }
    }

    @Test func aFailedFetchIsRetriedLaterAndATimeoutDoesNotHang() async throws {
        let graph = Graph()
        try await withCRM(meta: Self.meta, extraRoutes: { graph.routes($0) }) { (t: TestContext) async throws in
            let admin = try await t.admin()
            let body = Self.announcement(["2002", "3003", "4004"])
            #expect(try await post(t, body, signature: try Self.signature(body)).json.int("queued") == 3)
            let started = Date()
            #expect(try await job(t).run() == 0)
            #expect(Date().timeIntervalSince(started) < 1.9, "the 2 s answer is cut at the 0.5 s timeout")
            let rows = try await t.app.db.sql.raw("SELECT external_id, attempts, last_error, next_attempt_at FROM intake_jobs ORDER BY external_id").all()
            #expect(try rows.map { try $0.decode(column: "last_error", as: String?.self) } == ["http-500", "unreachable", "http-404"])
            #expect(try rows.allSatisfy { try $0.decode(column: "attempts", as: Int.self) == 1 })
            #expect(try rows.allSatisfy { try $0.decode(column: "next_attempt_at", as: Date.self) == t.clock.now.addingTimeInterval(60) })
            #expect(try await job(t).run() == 0, "not due yet")
            t.clock.advance(seconds: 61)
            #expect(try await job(t, timeout: 5).run() == 2, "the 500 and the slow one succeed on their second try")
            #expect(try await t.get("/crm/leads", token: admin.token).list.count == 2)
            // The 404 keeps failing, each time later, and is given up after the last attempt.
            for _ in 2...MetaLeadFetchJob.maxAttempts {
                t.clock.advance(seconds: 6 * 3600 + 1)
                _ = try await job(t).run()
            }
            let given = try await t.app.db.sql.raw("SELECT attempts, failed_at FROM intake_jobs WHERE external_id = '4004'").first()
            #expect(try given?.decode(column: "attempts", as: Int.self) == MetaLeadFetchJob.maxAttempts)
            #expect(try given?.decode(column: "failed_at", as: Date?.self) != nil)
            #expect(MetaLeadFetchJob.backoff(afterAttempts: 1) == 60 && MetaLeadFetchJob.backoff(afterAttempts: 3) == 240
                    && MetaLeadFetchJob.backoff(afterAttempts: 20) == 6 * 3600)
        }
    }
}

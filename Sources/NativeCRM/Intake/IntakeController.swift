import OpenAPIKit
import Vapor

/// `POST /crm/intake/leads`: leads from a website's form or a form tool (an API key with the `intake` scope);
/// `POST /crm/intake/google`: Google Ads lead form webhook (its `google_key`); `GET/POST /crm/intake/meta`:
/// Meta Lead Ads webhook (its verify token and signature).
struct IntakeController {
    var endpoints: [Endpoint] {
        [
            Endpoint(.POST, "/crm/intake/leads", .intakeKeys, "Receive a lead from a website or form", use: website, .init(
                "intakeLead", tag: "Intake",
                "The seed's lead fields plus the sender's `externalId` and the lead's `attribution`. Idempotent on "
                    + "(`source`, `externalId`): a repeated delivery answers 200 with the first lead. A lead whose email or "
                    + "phone is a customer's is linked (`matchedCustomerId`) and goes to that customer's salesperson; "
                    + "otherwise to the active salesperson with the fewest open leads, who is notified.",
                body: IntakeLeadRequest.self,
                bodyExamples: Example.named(["website": ("A website form's lead", [
                    "source": "website", "firstName": "Giulia", "lastName": "Bianchi", "email": "giulia@example.com",
                    "phone": "+41 79 555 12 34", "notes": "Interested in lip filler", "externalId": "form-2026-000123",
                    "attribution": ["utm_source": "instagram", "utm_medium": "social", "utm_campaign": "spring-fillers",
                                    "landing_page": "https://clinic.example/fillers"],
                ])]),
                versioned: true,
                replies: [.created(LeadResponse.ref, "The new lead."),
                          .ok(LeadResponse.ref, "A repeated delivery: the lead it made the first time.")])),
            // Google retries by itself and `lead_id` makes a retry harmless: no `Idempotency-Key`.
            Endpoint(.POST, "/crm/intake/google", .platform, "Google Ads lead form webhook", use: google, .init(
                "intakeGoogleLead", tag: "Intake",
                "The payload Google Ads posts for a lead form (webhook URL: this path; key: `CRM_GOOGLE_LEAD_KEY`). "
                    + "`google_key` must equal `CRM_GOOGLE_LEAD_KEY` (401, nothing stored; always 401 when it is not set). "
                    + "Idempotent on `lead_id`. `FULL_NAME`/`FIRST_NAME`/`LAST_NAME`, `EMAIL`/`WORK_EMAIL` and "
                    + "`PHONE_NUMBER`/`WORK_PHONE` make the lead (source `google_ads`; no name: `\(IntakeService.unnamedGoogleLead)`); "
                    + "other columns are kept in `metadata.googleColumns`; `gcl_id`, `campaign_id`, `form_id`, `adgroup_id` and "
                    + "`creative_id` become attribution (`gclid`, `campaign_id`, `form_id`, `adset_id`, `ad_id`, numbers "
                    + "kept exactly). `is_test: true` leads are stored flagged (`isTest`), assigned to nobody and left out of "
                    + "analytics. Assignment and customer matching as for any intake.",
                body: GoogleLeadWebhook.self,
                bodyExamples: Example.named(["google": ("Google's payload", [
                    "lead_id": "TeSter-123-ABCDEFGHIJKLMNOPQRSTUVWXYZ", "api_version": "1.0", "form_id": 40000000000,
                    "campaign_id": 20000000000, "google_key": "the-key-you-set-in-google-ads", "is_test": false,
                    "gcl_id": "EAIaIQobChMI", "adgroup_id": 30000000000, "creative_id": 50000000000,
                    "user_column_data": [
                        ["column_name": "Full Name", "string_value": "Giulia Bianchi", "column_id": "FULL_NAME"],
                        ["column_name": "User Email", "string_value": "giulia@example.com", "column_id": "EMAIL"],
                        ["column_name": "User Phone", "string_value": "+41795551234", "column_id": "PHONE_NUMBER"],
                    ],
                ])]),
                replies: [.ok(IntakeReceipt.ref, "Stored, or stored before (`created` false).")]))
            .withoutIdempotency(),
            Endpoint(.GET, "/crm/intake/meta", .platform, "Meta Lead Ads webhook verification", use: metaVerify, .init(
                "verifyMetaWebhook", tag: "Intake",
                "Meta's subscription handshake: with `hub.mode=subscribe` and `hub.verify_token` equal to "
                    + "`CRM_META_VERIFY_TOKEN`, the answer is `hub.challenge` as plain text; otherwise 403.",
                parameters: [Param.query("hub.mode", Schema.string, "`subscribe`."),
                             Param.query("hub.verify_token", Schema.string, "Must equal `CRM_META_VERIFY_TOKEN`."),
                             Param.query("hub.challenge", .string(maxLength: 200), "Echoed back.")],
                replies: [.ok(Schema.string, "The challenge.", media: "text/plain")], errors: [400, 403])),
            // Meta retries by itself and `leadgen_id` makes a retry harmless: no `Idempotency-Key`.
            Endpoint(.POST, "/crm/intake/meta", .platform, "Meta Lead Ads webhook", use: meta, .init(
                "intakeMetaLeads", tag: "Intake",
                "Meta's `leadgen` change notifications, signed: `X-Hub-Signature-256` must be `sha256=` and the HMAC-SHA256 "
                    + "of the raw body with `CRM_META_APP_SECRET` (401 and nothing stored otherwise). Answers at once; each "
                    + "`leadgen_id` (once, however often announced) is then fetched from the Graph API (`CRM_META_GRAPH_URL`, "
                    + "with `CRM_META_PAGE_TOKEN`) in the background with retries, and stored as a `facebook_ads` lead: "
                    + "`full_name`/`first_name`/`last_name`, `email`, `phone_number`; other fields in `metadata.metaFields`; "
                    + "`ad_id`, `adset_id`, `campaign_id`, `form_id` as attribution.",
                parameters: [OpenAPI.Parameter(name: "X-Hub-Signature-256", context: .header(required: true, schema: Schema.string),
                                               description: "`sha256=<hex HMAC-SHA256 of the body>`.")],
                body: MetaLeadWebhook.self,
                bodyExamples: Example.named(["meta": ("Meta's payload", [
                    "object": "page",
                    "entry": [["id": "153125381133", "time": 1438292065, "changes": [["field": "leadgen", "value": [
                        "leadgen_id": 123123123123, "page_id": 123123123, "form_id": 12312312312, "adgroup_id": 12312312312,
                        "ad_id": 12312312312, "created_time": 1440120384,
                    ]]]]],
                ])]),
                replies: [.ok(MetaReceipt.ref, "Accepted: how many leads were new.")]))
            .withoutIdempotency(),
        ]
    }

    @Sendable func metaVerify(req: Request) async throws -> Response {
        guard let challenge = IntakeService.metaChallenge(
            mode: req.query["hub.mode"], token: req.query["hub.verify_token"], challenge: req.query["hub.challenge"],
            expected: req.application.crmConfig.meta.verifyToken) else {
            throw APIError(.forbidden, code: "forbidden", detail: "The verify token does not match this CRM's.")
        }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/plain; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(string: challenge))
    }

    @Sendable func meta(req: Request) async throws -> MetaReceipt {
        let body = req.body.data.map { Data(buffer: $0) } ?? Data()
        guard IntakeService.metaSignatureMatches(body, header: req.headers.first(name: "X-Hub-Signature-256"),
                                                 secret: req.application.crmConfig.meta.appSecret) else {
            throw APIError(.unauthorized, code: "unauthorized", detail: "X-Hub-Signature-256 is missing or does not match.")
        }
        let service = IntakeService(db: req.db, clock: req.clock, events: req.application.activityEvents)
        return MetaReceipt(queued: try await service.metaAnnounced(try req.decodeJSONValue()))
    }

    @Sendable func google(req: Request) async throws -> IntakeReceipt {
        let service = IntakeService(db: req.db, clock: req.clock, events: req.application.activityEvents)
        let received = try await service.google(try req.decodeJSONValue(), expectedKey: req.application.crmConfig.googleLeadKey)
        return IntakeReceipt(id: received.lead.id!, created: received.created)
    }

    @Sendable func website(req: Request) async throws -> Response {
        let service = IntakeService(db: req.db, clock: req.clock, events: req.application.activityEvents)
        let received = try await service.website(try req.decodeInput(IntakeLeadRequest.self), by: try req.caller)
        return try await LeadResponse(received.lead)
            .response(version: received.lead.version, status: received.created ? .created : .ok, for: req)
    }
}

import Crypto
import Fluent
import SQLKit
import Vapor

// MARK: - The webhook

extension IntakeService {
    /// `GET /crm/intake/meta`: Meta's verification handshake; the challenge when the verify token
    /// matches, nil (403) otherwise.
    static func metaChallenge(mode: String?, token: String?, challenge: String?, expected: String?) -> String? {
        guard mode == "subscribe", let expected, let token, ConstantTime.same(token, expected),
              let challenge, !challenge.isEmpty, challenge.count <= 200 else { return nil }
        return challenge
    }

    /// Whether `X-Hub-Signature-256` (`sha256=<hex>`) is the HMAC-SHA256 of the raw body with the app secret.
    static func metaSignatureMatches(_ body: Data, header: String?, secret: String?) -> Bool {
        guard let secret, let header, header.hasPrefix("sha256="), header.count == 7 + 64 else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        let expected = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        return ConstantTime.same(expected, header.lowercased())
    }

    /// `POST /crm/intake/meta`, signature checked: queues each announced `leadgen_id` once (the details
    /// are fetched by `MetaLeadFetchJob`). Answers how many were new.
    func metaAnnounced(_ payload: JSONValue) async throws -> Int {
        guard case let .object(fields) = payload, case let .array(entries)? = fields["entry"] else {
            throw APIError.invalid("entry", "is required: the webhook's entries")
        }
        var queued = 0
        for entry in entries {
            guard case let .object(entry) = entry, case let .array(changes)? = entry["changes"] else { continue }
            for change in changes {
                guard case let .object(change) = change, change["field"] == .string("leadgen"),
                      case let .object(value)? = change["value"],
                      let leadgenID = Self.text(value["leadgen_id"]), leadgenID.count <= LeadService.externalIDLength
                else { continue }
                var details: [String: String] = [:]
                for (field, key) in [("ad_id", "ad_id"), ("adgroup_id", "adset_id"), ("form_id", "form_id"), ("page_id", "page_id")] {
                    if let text = Self.text(value[field]) { details[key] = String(text.prefix(LeadAttribution.maxLength)) }
                }
                if try await MetaLeadFetchJob.queue(leadgenID: leadgenID, details: details, on: db, now: clock.now) { queued += 1 }
            }
        }
        return queued
    }
}

// MARK: - Fetching the lead's details

/// Fetches each queued Meta lead's field data from the Graph API and stores the lead (source
/// `facebook_ads`, idempotent on `leadgen_id`). A failed fetch (an error answer, a timeout, an
/// unreadable body, no page token yet) is tried again after 1, 2, 4 … minutes (at most 6 h apart); after
/// `maxAttempts` the job is given up and logged. Several instances share the queue: a job is claimed by
/// moving its next attempt past a lease, so only one instance fetches it at a time.
struct MetaLeadFetchJob: Sendable {
    let db: any Database
    let clock: CRMClock
    let client: any Client
    let config: MetaConfig
    let events: any ActivityEvents
    let logger: Logger

    static let source = LeadSource.facebookAds.rawValue
    static let maxAttempts = 10
    static let batch = 20
    /// How long a claimed job is left to its instance before another may try it.
    static let lease: TimeInterval = 120

    /// The wait before attempt `attempts + 1`: 1 min doubling, at most 6 h.
    static func backoff(afterAttempts attempts: Int) -> TimeInterval {
        min(60 * pow(2, Double(max(attempts - 1, 0))), 6 * 3600)
    }

    /// Adds a job for `leadgenID` unless one exists; whether it was new.
    static func queue(leadgenID: String, details: [String: String], on db: any Database, now: Date) async throws -> Bool {
        let row = try await db.sql.raw("""
            INSERT INTO intake_jobs (id, source, external_id, details, attempts, next_attempt_at, created_at)
            VALUES (\(bind: UUID()), \(bind: source), \(bind: leadgenID), \(bind: LeadAttribution.encode(details)), 0,
                    \(bind: now), \(bind: now))
            ON CONFLICT (source, external_id) DO NOTHING
            RETURNING id
            """).first()
        return row != nil
    }

    /// Done jobs are kept this long (a late repeat of the announcement finds them), then deleted.
    static let keptDone: TimeInterval = 30 * 86_400

    static func purgeDone(on db: any Database, now: Date) async throws {
        try await db.sql.raw("DELETE FROM intake_jobs WHERE done_at < \(bind: now.addingTimeInterval(-keptDone))").run()
    }

    /// Works through the due jobs; answers how many leads it stored.
    @discardableResult
    func run() async throws -> Int {
        let now = clock.now
        let due = try await db.sql.raw("""
            SELECT id, external_id, details, attempts, next_attempt_at FROM intake_jobs
            WHERE done_at IS NULL AND failed_at IS NULL AND next_attempt_at <= \(bind: now)
            ORDER BY next_attempt_at, id LIMIT \(unsafeRaw: String(Self.batch))
            """).all()
        var stored = 0
        for row in due {
            let id = try row.decode(column: "id", as: UUID.self)
            let attempts = try row.decode(column: "attempts", as: Int.self) + 1
            // Claim it: only the instance whose update still sees the old time gets the row back.
            guard try await db.sql.raw("""
                UPDATE intake_jobs SET attempts = \(bind: attempts), next_attempt_at = \(bind: now.addingTimeInterval(Self.lease))
                WHERE id = \(bind: id) AND next_attempt_at = \(bind: try row.decode(column: "next_attempt_at", as: Date.self))
                  AND done_at IS NULL
                RETURNING id
                """).first() != nil else { continue }
            let leadgenID = try row.decode(column: "external_id", as: String.self)
            let details = LeadAttribution.decode(try row.decode(column: "details", as: String.self))
            do {
                let delivery = try await fetch(leadgenID, details: details)
                _ = try await LeadService(db: db, clock: clock, events: events).receive(delivery, by: .system)
                try await db.sql.raw("UPDATE intake_jobs SET done_at = \(bind: clock.now), last_error = NULL WHERE id = \(bind: id)").run()
                stored += 1
            } catch let failure as FetchFailure {
                let givenUp = attempts >= Self.maxAttempts
                try await db.sql.raw("""
                    UPDATE intake_jobs SET last_error = \(bind: failure.kind),
                      next_attempt_at = \(bind: now.addingTimeInterval(Self.backoff(afterAttempts: attempts))),
                      failed_at = \(bind: givenUp ? clock.now : nil as Date?)
                    WHERE id = \(bind: id)
                    """).run()
                if givenUp {
                    logger.warning("meta lead given up", metadata: ["job": "\(id)", "attempts": "\(attempts)", "error": "\(failure.kind)"])
                }
            }
        }
        return stored
    }

    /// Why a fetch failed, as a kind (never the answer's text: it may hold a person's data).
    struct FetchFailure: Error {
        let kind: String
    }

    /// The lead's field data from the Graph API, mapped to a delivery.
    func fetch(_ leadgenID: String, details: [String: String]) async throws -> LeadDelivery {
        guard let token = config.pageToken else { throw FetchFailure(kind: "no-page-token") }
        guard leadgenID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw FetchFailure(kind: "bad-leadgen-id")
        }
        let uri = URI(string: "\(config.graphURL)/\(leadgenID)?fields=field_data,ad_id,adset_id,campaign_id,form_id")
        let response: ClientResponse
        do {
            response = try await client.get(uri) { request in
                request.headers.bearerAuthorization = BearerAuthorization(token: token)
                request.timeout = .milliseconds(Int64(config.timeout * 1000))
            }
        } catch {
            throw FetchFailure(kind: "unreachable")
        }
        guard response.status == .ok else { throw FetchFailure(kind: "http-\(response.status.code)") }
        guard let body = response.body, body.readableBytes <= 256 * 1024,
              case let .object(lead)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body)),
              case let .array(fieldData)? = lead["field_data"] else { throw FetchFailure(kind: "unreadable") }

        var fields: [String: String] = [:]
        for item in fieldData {
            guard case let .object(item) = item, let name = IntakeService.text(item["name"]), name.count <= 100,
                  case let .array(values)? = item["values"] else { continue }
            let value = values.compactMap(IntakeService.text).joined(separator: ", ")
            fields[name.lowercased()] = String(value.prefix(IntakeService.googleColumnLength))
        }
        let (first, last) = IntakeService.name(first: fields["first_name"], last: fields["last_name"],
                                               full: fields["full_name"], unnamed: Self.unnamed)
        var errors = FieldErrors()
        var contact = LeadService.checkContact(firstName: first, lastName: last, email: fields["email"],
                                               phone: fields["phone_number"] ?? fields["phone"], &errors)
        // What a person typed into Meta's form is kept even when it is not a usable address: a lead is not
        // refused for it (it is in `metadata.metaFields`), but an unusable email or phone is not stored as one.
        if errors.all.contains(where: { $0.field == "email" }) { contact.email = nil }
        if errors.all.contains(where: { $0.field == "phone" }) { contact.phone = nil }
        if errors.all.contains(where: { $0.field == "firstName" || $0.field == "lastName" }) {
            contact.firstName = String(first.prefix(TextLimits.name))
            contact.lastName = last.map { String($0.prefix(TextLimits.name)) }
        }
        var attribution = details.filter { LeadAttribution.keys.contains($0.key) }
        for key in ["ad_id", "adset_id", "campaign_id", "form_id"] {
            if let value = IntakeService.text(lead[key]) { attribution[key] = String(value.prefix(LeadAttribution.maxLength)) }
        }
        let used: Set<String> = ["full_name", "first_name", "last_name", "email", "phone_number", "phone"]
        let others = fields.filter { !used.contains($0.key) }.mapValues { JSONValue.string($0) }
        return LeadDelivery(source: .facebookAds, contact: contact, notes: nil, estimatedValue: nil,
                            metadata: others.isEmpty ? nil : JSONObject(["metaFields": .object(others)]),
                            externalID: leadgenID, attribution: attribution)
    }

    /// The first name of a lead whose form asked for none.
    static let unnamed = "Meta lead"
}

/// Runs `MetaLeadFetchJob` every 2 seconds while the server runs; does nothing until a job is due.
enum IntakeWorker {
    static func loop() -> BackgroundLoop {
        BackgroundLoop(label: "crm.intake", name: "intake worker") { app in
            let job = MetaLeadFetchJob(db: app.db, clock: app.clock, client: app.client, config: app.crmConfig.meta,
                                       events: app.activityEvents, logger: Logger(label: "crm.intake"))
            return .init(interval: .seconds(2)) { try await job.run() > 0 }
        }
    }
}

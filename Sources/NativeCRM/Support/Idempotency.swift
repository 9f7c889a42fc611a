import Crypto
import Fluent
import SQLKit
import Vapor

/// `Idempotency-Key` on `POST` under `/crm` (the Stripe convention): a retry with the same key and body
/// from the same user gets the original status and body without writing again; the same key with a
/// different body is 422; a retry while the first is still running is 409. Keys live in the database
/// (unique per user and key), so this holds across instances and for concurrent duplicates; they
/// expire after `CRM_IDEMPOTENCY_TTL` seconds.
struct IdempotencyMiddleware: AsyncMiddleware {
    static let header: HTTPHeaders.Name = "Idempotency-Key"
    /// A key's length in characters (visible ASCII).
    static let keyLength = 1...255

    /// The body as JSON with sorted keys, so a retry that serialises the same object differently still
    /// counts as the same request; bytes that are not JSON are compared as they are.
    static func canonical(_ body: Data) -> Data {
        guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
        else { return body }
        return data
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .POST, let key = request.headers.first(name: Self.header) else {
            return try await next.respond(to: request)
        }
        guard Self.keyLength.contains(key.count), key.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
            throw APIError.invalid("Idempotency-Key", "must be \(Self.keyLength.lowerBound) to \(Self.keyLength.upperBound) visible ASCII characters")
        }
        let user = try request.caller
        let body = try await request.body.collect(max: request.application.routes.defaultMaxBodySize.value).get()
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method.rawValue) \(request.url.path)?\(request.url.query ?? "")\n".utf8))
        if let body { hasher.update(data: Self.canonical(Data(body.readableBytesView))) }
        let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()

        let store = IdempotencyStore(db: request.db, clock: request.clock, ttl: request.application.crmConfig.idempotencyTTL)
        switch try await store.begin(userID: user.id, key: key, hash: hash) {
        case let .replay(status, body, contentType, etag):
            CRMMetrics.idempotentReplays.increment()
            var headers = HTTPHeaders()
            if let contentType { headers.replaceOrAdd(name: .contentType, value: contentType) }
            if let etag { headers.replaceOrAdd(name: .eTag, value: etag) }
            headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
            return Response(status: HTTPResponseStatus(statusCode: status), headers: headers, body: .init(string: body))
        case .mismatch:
            throw APIError(.unprocessableEntity, code: "idempotency-key-reused",
                           detail: "This Idempotency-Key was used with a different request body.",
                           errors: [FieldError(field: "Idempotency-Key", message: "was used with a different body")])
        case .inProgress:
            throw APIError.conflict("A request with this Idempotency-Key is still in progress. Retry shortly.",
                                    code: "idempotency-in-progress")
        case .proceed:
            let response: Response
            do {
                response = try await next.respond(to: request)
            } catch {
                try? await store.abandon(userID: user.id, key: key)  // nothing was written: a retry may run again
                throw error
            }
            do {
                try await store.finish(userID: user.id, key: key, response: response)
            } catch {
                // The write is committed: answer it. The key stays "in progress" until it expires, so a
                // retry gets 409 instead of writing twice.
                request.logger.error("could not remember the answer for an Idempotency-Key", metadata: ErrorSummary(error).metadata)
            }
            return response
        }
    }
}

/// The idempotency keys table.
struct IdempotencyStore: Sendable {
    let db: any Database
    let clock: CRMClock
    let ttl: Int

    enum Outcome {
        case proceed
        case replay(status: Int, body: String, contentType: String?, etag: String?)
        case mismatch
        case inProgress
    }

    func begin(userID: UUID, key: String, hash: String) async throws -> Outcome {
        let now = clock.now
        for _ in 0..<2 {
            let inserted = try await db.sql.raw("""
                INSERT INTO idempotency_keys (id, user_id, key, request_hash, state, created_at)
                VALUES (\(bind: UUID()), \(bind: userID), \(bind: key), \(bind: hash), 'in_progress', \(bind: now))
                ON CONFLICT (user_id, key) DO NOTHING RETURNING id
                """).all()
            if !inserted.isEmpty { return .proceed }
            guard let row = try await db.sql.raw("""
                SELECT request_hash, state, response_status, response_body, response_content_type, response_etag, created_at
                FROM idempotency_keys WHERE user_id = \(bind: userID) AND key = \(bind: key)
                """).first() else { continue }
            let createdAt = try row.decode(column: "created_at", as: Date.self)
            if createdAt < now.addingTimeInterval(-Double(ttl)) {
                try await db.sql.raw("""
                    DELETE FROM idempotency_keys WHERE user_id = \(bind: userID) AND key = \(bind: key)
                      AND created_at = \(bind: createdAt)
                    """).run()
                continue
            }
            guard try row.decode(column: "request_hash", as: String.self) == hash else { return .mismatch }
            guard try row.decode(column: "state", as: String.self) == "done" else { return .inProgress }
            return .replay(status: try row.decode(column: "response_status", as: Int.self),
                           body: try row.decode(column: "response_body", as: String?.self) ?? "",
                           contentType: try row.decode(column: "response_content_type", as: String?.self),
                           etag: try row.decode(column: "response_etag", as: String?.self))
        }
        return .inProgress
    }

    func finish(userID: UUID, key: String, response: Response) async throws {
        let body = response.body.buffer.map { String(buffer: $0) } ?? ""
        try await db.sql.raw("""
            UPDATE idempotency_keys SET state = 'done', response_status = \(bind: Int(response.status.code)),
              response_body = \(bind: body), response_content_type = \(bind: response.headers.first(name: .contentType)),
              response_etag = \(bind: response.headers.first(name: .eTag))
            WHERE user_id = \(bind: userID) AND key = \(bind: key)
            """).run()
    }

    func abandon(userID: UUID, key: String) async throws {
        try await db.sql.raw("""
            DELETE FROM idempotency_keys WHERE user_id = \(bind: userID) AND key = \(bind: key) AND state = 'in_progress'
            """).run()
    }

    /// Deletes expired keys (run by the scheduler).
    func purgeExpired() async throws {
        try await db.sql.raw("DELETE FROM idempotency_keys WHERE created_at < \(bind: clock.now.addingTimeInterval(-Double(ttl)))").run()
    }
}

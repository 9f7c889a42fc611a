import Crypto
import Fluent
import SQLKit
import Vapor

/// Single-use tickets for the live stream: a browser's `EventSource` cannot send `Authorization`, so it
/// asks for a ticket with its token and opens the stream with `?ticket=`. A ticket is 32 random bytes,
/// stored only as its SHA-256, bound to the user and the session of the token it was issued with (so the
/// stream ends when that token would), valid `lifetime` seconds and consumed by its first use.
struct StreamTickets: Sendable {
    static let lifetime: TimeInterval = 60
    /// The length of a `?ticket=` worth looking up.
    static let presentedLength = 20...100

    let db: any Database
    let clock: CRMClock

    struct Issued: Content {
        var ticket: String
        var expiresAt: Date
    }

    func issue(for userID: UUID, session: AuthenticatedUser.Session) async throws -> Issued {
        let ticket = SecretToken.random()
        let expiresAt = clock.now.addingTimeInterval(Self.lifetime)
        try await db.sql.raw("""
            INSERT INTO stream_tickets (ticket_hash, user_id, token_id, token_epoch, token_expires_at, expires_at)
            VALUES (\(bind: Self.hash(ticket)), \(bind: userID), \(bind: session.tokenID), \(bind: session.epoch),
                    \(bind: session.expiresAt), \(bind: expiresAt))
            """).run()
        return Issued(ticket: ticket, expiresAt: expiresAt)
    }

    /// The user and session a ticket stands for, consuming it; nil when it is unknown, used or expired.
    func redeem(_ ticket: String) async throws -> (userID: UUID, session: AuthenticatedUser.Session)? {
        guard Self.presentedLength.contains(ticket.count) else { return nil }
        guard let row = try await db.sql.raw("""
            UPDATE stream_tickets SET used_at = \(bind: clock.now)
            WHERE ticket_hash = \(bind: Self.hash(ticket)) AND used_at IS NULL AND expires_at > \(bind: clock.now)
            RETURNING user_id, token_id, token_epoch, token_expires_at
            """).first() else { return nil }
        return (try row.decode(column: "user_id", as: UUID.self), AuthenticatedUser.Session(
            tokenID: try row.decode(column: "token_id", as: String.self),
            expiresAt: try row.decode(column: "token_expires_at", as: Date.self),
            epoch: try row.decode(column: "token_epoch", as: Int.self)))
    }

    /// Deletes tickets past their lifetime (run by the scheduler).
    static func purgeExpired(on db: any Database, now: Date) async throws {
        try await db.sql.raw("DELETE FROM stream_tickets WHERE expires_at < \(bind: now)").run()
    }

    static func hash(_ ticket: String) -> String { SecretToken.hash(ticket) }
}

/// Signs a stream request in by its `?ticket=` (after `BearerAuthenticator`): the ticket's user with the
/// session it was issued for, which must still hold. A used, expired or unknown ticket is 401, and so is a
/// ticket of another user than the request's bearer token.
struct StreamTicketAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let ticket = request.query[String.self, at: "ticket"] else { return try await next.respond(to: request) }
        guard let (userID, session) = try await StreamTickets(db: request.db, clock: request.clock).redeem(ticket),
              session.expiresAt > request.clock.now,
              var user = try await BearerAuthenticator.currentUser(userID, session: session, on: request.db.sql)
        else { throw APIError.unauthorized }
        if let bearer = request.auth.get(AuthenticatedUser.self), bearer.id != userID { throw APIError.unauthorized }
        user.requestID = request.requestID
        request.auth.login(user)
        request.logger[metadataKey: "user-id"] = .string(userID.uuidString)
        return try await next.respond(to: request)
    }
}

import Fluent
import SQLKit
import Vapor

/// The open live streams, in the database so the limit holds across instances: at most
/// `maxPerUser` per user (opening one more closes the oldest), and each stream re-checks on every
/// poll that it may still serve its user — the token unexpired and not logged out, the user active,
/// the epoch unchanged, the stream not displaced.
struct StreamSessions: Sendable {
    static let maxPerUser = 5

    let db: any Database
    let clock: CRMClock

    /// Why a stream ends; sent as its last event.
    enum EndReason: String, Sendable {
        case tokenExpired = "token-expired"
        case loggedOut = "logged-out"
        case sessionEnded = "session-ended"
        case userInactive = "user-inactive"
        case tooManyStreams = "too-many-streams"

        var detail: String {
            switch self {
            case .tokenExpired: return "The token has expired; sign in again."
            case .loggedOut: return "This token was logged out."
            case .sessionEnded: return "The password was changed or the account was reactivated; sign in again."
            case .userInactive: return "The account is inactive."
            case .tooManyStreams: return "A newer stream of this user replaced this one (at most \(StreamSessions.maxPerUser) are open)."
            }
        }
    }

    /// Registers a new stream and displaces the user's oldest beyond the limit; returns its id.
    func open(for userID: UUID) async throws -> UUID {
        let id = UUID()
        try await db.transaction { db in
            try await db.sql.raw("""
                INSERT INTO notification_streams (id, user_id, opened_at) VALUES (\(bind: id), \(bind: userID), \(bind: clock.now))
                """).run()
            let keep = try await db.sql.raw("""
                SELECT id FROM notification_streams WHERE user_id = \(bind: userID)
                ORDER BY opened_at DESC, id DESC LIMIT \(bind: Self.maxPerUser)
                """).all().map { try $0.decode(column: "id", as: UUID.self) }
            if !keep.contains(id) { return }  // several opened in the same instant: ids decide
            try await db.sql.raw("""
                DELETE FROM notification_streams WHERE user_id = \(bind: userID)
                  AND id NOT IN (\(SQLList(keep.map { SQLBind($0) })))
                """).run()
        }
        return id
    }

    /// Nil while the stream may go on; otherwise why it must end. One statement per poll.
    func check(stream id: UUID, userID: UUID, session: AuthenticatedUser.Session) async throws -> EndReason? {
        guard session.expiresAt > clock.now else { return .tokenExpired }
        guard let row = try await db.sql.raw("""
            SELECT token_epoch,
                   (SELECT COUNT(*) FROM revoked_tokens WHERE jti = \(bind: session.tokenID)) AS revoked,
                   (SELECT COUNT(*) FROM notification_streams WHERE id = \(bind: id)) AS registered
            FROM users WHERE id = \(bind: userID) AND active = \(bind: true)
            """).first() else { return .userInactive }
        if try row.decode(column: "revoked", as: Int.self) > 0 { return .loggedOut }
        if try row.decode(column: "token_epoch", as: Int.self) != session.epoch { return .sessionEnded }
        if try row.decode(column: "registered", as: Int.self) == 0 { return .tooManyStreams }
        return nil
    }

    func close(stream id: UUID) async throws {
        try await db.sql.raw("DELETE FROM notification_streams WHERE id = \(bind: id)").run()
    }
}

import Fluent
import SQLKit
import Vapor

/// The open live streams, in the database so the limit holds across instances: at most
/// `maxPerUser` per user (opening one more closes the oldest), and every stream is re-checked each
/// second (by the instance's fan-out, all at once) that it may still serve its user — the token
/// unexpired and not logged out, the user active, the epoch unchanged, the stream not displaced.
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

    /// Which of `streams` (stream id → user and session) must end, and why. Three statements per 500
    /// streams, whatever their number: users, logged-out tokens, registered streams.
    func check(_ streams: [UUID: (userID: UUID, session: AuthenticatedUser.Session)]) async throws -> [UUID: EndReason] {
        var ended: [UUID: EndReason] = [:]
        let now = clock.now
        let entries = Array(streams)
        for start in stride(from: 0, to: entries.count, by: 500) {
            let chunk = entries[start..<min(start + 500, entries.count)]
            let userIDs = Array(Set(chunk.map(\.value.userID)))
            let users = try await db.sql.raw("""
                SELECT id, token_epoch FROM users WHERE active = \(bind: true) AND id IN (\(SQLList(userIDs.map { SQLBind($0) })))
                """).all()
            var epochs: [UUID: Int] = [:]
            for row in users { epochs[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "token_epoch", as: Int.self) }
            let tokenIDs = Array(Set(chunk.map(\.value.session.tokenID)))
            let revoked = Set(try await db.sql.raw("""
                SELECT jti FROM revoked_tokens WHERE jti IN (\(SQLList(tokenIDs.map { SQLBind($0) })))
                """).all().map { try $0.decode(column: "jti", as: String.self) })
            let registered = Set(try await db.sql.raw("""
                SELECT id FROM notification_streams WHERE id IN (\(SQLList(chunk.map { SQLBind($0.key) })))
                """).all().map { try $0.decode(column: "id", as: UUID.self) })
            for (streamID, (userID, session)) in chunk {
                if session.expiresAt <= now { ended[streamID] = .tokenExpired }
                else if revoked.contains(session.tokenID) { ended[streamID] = .loggedOut }
                else if let epoch = epochs[userID] { if epoch != session.epoch { ended[streamID] = .sessionEnded } }
                else { ended[streamID] = .userInactive }
                if ended[streamID] == nil, !registered.contains(streamID) { ended[streamID] = .tooManyStreams }
            }
        }
        return ended
    }

    func close(stream id: UUID) async throws {
        try await db.sql.raw("DELETE FROM notification_streams WHERE id = \(bind: id)").run()
    }
}

import Foundation
import SQLKit
import Testing
import Vapor
@testable import NativeCRM

/// A live stream re-checks who it serves on every poll and ends, naming why, when it may no longer.
@Suite("Notification stream security")
struct StreamSecurityTests {
    func openStreams(_ t: TestContext) async throws -> Int {
        try await t.app.db.sql.raw("SELECT COUNT(*) AS n FROM notification_streams").first()?.decode(column: "n", as: Int.self) ?? -1
    }

    /// The last event of an ended stream.
    func endReason(_ stream: EventStreamClient) async -> String? {
        let ended = await stream.waitForEnd(timeout: .seconds(3))
        guard ended else { return nil }
        let events = await stream.waitForEvents(0, timeout: .zero)
        return events.last { $0.event == "error" }?.json["reason"] as? String
    }

    @Test func aStreamEndsWhenItsTokenExpires() async throws {
        try await withCRM(tokenTTL: 120) { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let stream = EventStreamClient()
            try await stream.connect(baseURL: t.baseURL, token: user.token)
            #expect(await !stream.waitForEnd(timeout: .milliseconds(600)), "open while the token holds")
            t.clock.advance(seconds: 121)
            #expect(await endReason(stream) == "token-expired")
        }
    }

    @Test func aStreamEndsWhenItsUserIsDeactivatedOrLogsOut() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let desk = try await t.makeUser(.secretariat)
            let sales = try await t.makeUser(.salesperson)
            let deactivated = EventStreamClient()
            try await deactivated.connect(baseURL: t.baseURL, token: sales.token)
            let loggedOut = EventStreamClient()
            try await loggedOut.connect(baseURL: t.baseURL, token: desk.token)
            #expect(try await t.patch("/crm/users/\(sales.id)", token: admin.token, ["active": false]).status == .ok)
            #expect(try await t.post("/auth/logout", token: desk.token, [:]).status == .noContent)
            // A lead for the deactivated salesperson afterwards must not reach the old stream.
            _ = try await t.post("/crm/leads", token: admin.token,
                                 ["source": "website", "firstName": "Late", "email": "late@x.test"])
            #expect(await endReason(deactivated) == "user-inactive")
            #expect(await endReason(loggedOut) == "logged-out")
            #expect(await !deactivated.waitForEvents(0, timeout: .zero).contains { $0.event == "notification" })
        }
    }

    @Test func aPasswordChangeEndsTheUsersStreams() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let stream = EventStreamClient()
            try await stream.connect(baseURL: t.baseURL, token: user.token)
            _ = try await t.post("/auth/password", token: user.token,
                                 ["currentPassword": user.password, "newPassword": "another-password"])
            #expect(await endReason(stream) == "session-ended")
        }
    }

    @Test func atMostFiveStreamsPerUserTheOldestIsClosed() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            var streams: [EventStreamClient] = []
            for _ in 0..<StreamSessions.maxPerUser {
                let stream = EventStreamClient()
                try await stream.connect(baseURL: t.baseURL, token: user.token)
                streams.append(stream)
                t.clock.advance(seconds: 1)
            }
            #expect(try await openStreams(t) == 5)
            let sixth = EventStreamClient()
            try await sixth.connect(baseURL: t.baseURL, token: user.token)
            #expect(await endReason(streams[0]) == "too-many-streams")
            for stream in streams.dropFirst() + [sixth] {
                #expect(await !stream.waitForEnd(timeout: .milliseconds(100)), "the newer five stay open")
            }
            #expect(try await openStreams(t) == 5)
            for stream in streams + [sixth] { stream.disconnect() }
        }
    }

    /// A client that hangs up ends its stream at once, not at the next write that fails.
    @Test func aClosedConnectionStopsItsLoopAtOnce() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let connection = try await RawConnection.connect(to: t.baseURL)
            try await connection.send("GET /crm/notifications/stream HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(user.token)\r\n\r\n")
            var registered = 0
            for _ in 0..<50 where registered == 0 {
                registered = try await openStreams(t)
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(registered == 1)
            connection.close()
            let closedAt = ContinuousClock.now
            var left = 1
            while left > 0, ContinuousClock.now - closedAt < .seconds(3) {
                try await Task.sleep(for: .milliseconds(20))
                left = try await openStreams(t)
            }
            #expect(left == 0)
            // Well under the loop's 1 s session poll, so the hang-up itself ended it; the margin covers this
            // test's own polling of the streams table while the whole suite runs in parallel (a loaded
            // PostgreSQL run measured 359 ms).
            #expect(ContinuousClock.now - closedAt < .milliseconds(700), "ended before the next session poll")
        }
    }
}

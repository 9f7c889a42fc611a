import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// Slow and oversized clients get an answer and a closed connection, not a server tied up or a
/// silent hang-up; and the headers every API response carries.
@Suite("Connection guard and response headers")
struct ConnectionGuardTests {
    static let quick = ConnectionTimeouts(head: 1, body: 1, idle: 1.5)

    @Test func oversizedHeadersGet431() async throws {
        try await withCRM { (t: TestContext) async throws in
            for size in [40 * 1024, 100 * 1024] {
                let connection = try await RawConnection.connect(to: t.baseURL)
                try await connection.send("GET /health HTTP/1.1\r\nHost: test\r\nX-Padding: \(String(repeating: "p", count: size))\r\n\r\n")
                #expect(await connection.waitForClose(timeout: .seconds(3)))
                #expect(connection.firstStatus == 431, "\(size): \(connection.text.prefix(200))")
                #expect(connection.text.contains("application/problem+json") && connection.text.contains("request-header-too-large"))
            }
            // Just under the limit is served.
            let fine = try await RawConnection.connect(to: t.baseURL)
            try await fine.send("GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\nX-Padding: \(String(repeating: "p", count: 16 * 1024))\r\n\r\n")
            #expect(await fine.waitForClose(timeout: .seconds(3)))
            #expect(fine.firstStatus == 200)
        }
    }

    @Test func aHeadThatTricklesInGets408() async throws {
        try await withCRM(connectionTimeouts: Self.quick) { (t: TestContext) async throws in
            let connection = try await RawConnection.connect(to: t.baseURL)
            try await connection.send("GET /health HTTP/1.1\r\nHost: te")
            let start = ContinuousClock.now
            #expect(await connection.waitForClose(timeout: .seconds(4)))
            #expect(ContinuousClock.now - start < .seconds(3))
            #expect(connection.firstStatus == 408, "\(connection.text)")
        }
    }

    @Test func aBodyThatNeverArrivesGets408() async throws {
        try await withCRM(connectionTimeouts: Self.quick) { (t: TestContext) async throws in
            let connection = try await RawConnection.connect(to: t.baseURL)
            try await connection.send("POST /auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"email\":")
            #expect(await connection.waitForClose(timeout: .seconds(4)))
            #expect(connection.firstStatus == 408, "\(connection.text)")
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosed() async throws {
        try await withCRM(connectionTimeouts: Self.quick) { (t: TestContext) async throws in
            let connection = try await RawConnection.connect(to: t.baseURL)
            try await connection.send("GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
            try await Task.sleep(for: .milliseconds(500))
            #expect(connection.firstStatus == 200)
            #expect(!connection.isClosed, "kept alive after the answer")
            #expect(await connection.waitForClose(timeout: .seconds(4)), "closed once idle")
        }
    }

    /// Requests that take their time within the limits are unaffected (a keep-alive connection serves
    /// several, and a live stream outlives every timeout).
    @Test func ordinaryTrafficIsUnaffected() async throws {
        try await withCRM(connectionTimeouts: .init(head: 1, body: 1, idle: 30)) { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let connection = try await RawConnection.connect(to: t.baseURL)
            for _ in 0..<3 {
                try await connection.send("GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
                try await Task.sleep(for: .milliseconds(700))
            }
            #expect(connection.text.components(separatedBy: "HTTP/1.1 200").count - 1 == 3)
            connection.close()
            let stream = EventStreamClient()
            try await stream.connect(baseURL: t.baseURL, token: user.token)
            #expect(await !stream.waitForEnd(timeout: .seconds(2)), "a stream is not a slow request")
            stream.disconnect()
        }
    }

    @Test func aClientRequestIDIsKeptOnlyWhenPlain() async throws {
        try await withCRM { (t: TestContext) async throws in
            let cases: [(String, Bool)] = [
                ("abc-123_x.Y", true), (String(repeating: "a", count: 64), true),
                (String(repeating: "a", count: 65), false), ("has space", false), ("semi;colon", false),
                ("\u{e9}t\u{e9}", false),
            ]
            for (sent, kept) in cases {
                let res = try await t.request(.GET, "/health", headers: [("X-Request-ID", sent)])
                let echoed = res.headers.first(name: "X-Request-ID") ?? ""
                #expect((echoed == sent) == kept, "\(sent) → \(echoed)")
                #expect(echoed.range(of: "^[A-Za-z0-9._-]{1,64}$", options: .regularExpression) != nil)
            }
        }
    }

    @Test func nothingUnderAuthOrCrmIsCached() async throws {
        try await withCRM { (t: TestContext) async throws in
            let user = try await t.makeUser(.salesperson)
            let responses = [
                try await t.login(user.email, user.password),
                try await t.login(user.email, "wrong-password"),
                try await t.get("/auth/me", token: user.token),
                try await t.get("/crm/customers", token: user.token),
                try await t.get("/crm/customers"),
                try await t.get("/crm/customers/not-a-uuid", token: user.token),
                try await t.get("/crm/nowhere", token: user.token),
                try await t.post("/crm/customers", token: user.token, ["firstName": "A", "lastName": "B"]),
            ]
            for res in responses {
                #expect(res.headers.first(name: .cacheControl) == "no-store", "\(res.status.code)")
            }
            let stream = EventStreamClient()
            try await stream.connect(baseURL: t.baseURL, token: user.token)
            #expect(stream.cacheControl == "no-store")
            stream.disconnect()
        }
    }
}

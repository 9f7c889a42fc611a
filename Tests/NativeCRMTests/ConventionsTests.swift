import Foundation
import Testing
import Vapor
@testable import NativeCRM

@Suite("API conventions")
struct ConventionsTests {
    @Test func malformedJSONNamesTheBody() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let res = try await t.request(.POST, "/crm/users", token: admin.token, raw: #"{"email": "a@b.co", "#)
            #expect(res.status == .badRequest)
            #expect(res.isProblem)
            #expect(res.errorFields == ["body"])
            let shape = res.json
            #expect(shape["status"] as? Int == 400)
            #expect(shape["title"] as? String == "Bad Request")
            #expect((shape["type"] as? String)?.isEmpty == false)
            #expect((shape["detail"] as? String)?.isEmpty == false)
        }
    }

    @Test func wrongTypeMissingFieldAndBadEnumAreNamed() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let wrongType = try await t.post("/crm/users", token: admin.token, [
                "email": "a@clinic.test", "name": 42, "role": "ADMIN", "password": "password-1",
            ])
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.errorFields == ["name"])

            let missing = try await t.post("/crm/users", token: admin.token, [
                "email": "a@clinic.test", "name": "A", "password": "password-1",
            ])
            #expect(missing.status == .badRequest)
            #expect(missing.errorFields == ["role"])

            let badEnum = try await t.post("/crm/users", token: admin.token, [
                "email": "a@clinic.test", "name": "A", "role": "DOCTOR", "password": "password-1",
            ])
            #expect(badEnum.status == .badRequest)
            #expect(badEnum.errorFields == ["role"])
            let message = (badEnum.json["errors"] as? [[String: Any]])?.first?["message"] as? String ?? ""
            #expect(message.contains("SALESPERSON") && message.contains("SECRETARIAT") && message.contains("ADMIN"))

            let nullField = try await t.request(.POST, "/crm/users", token: admin.token,
                raw: #"{"email":"a@clinic.test","name":null,"role":"ADMIN","password":"password-1"}"#)
            #expect(nullField.status == .badRequest)
            #expect(nullField.errorFields == ["name"])
        }
    }

    @Test func oversizeBodyIs413ProblemJSON() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let huge = String(repeating: "x", count: 600 * 1024)
            let res = try await t.post("/crm/users", token: admin.token, [
                "email": "a@clinic.test", "name": huge, "role": "ADMIN", "password": "password-1",
            ])
            #expect(res.status == .payloadTooLarge)
            #expect(res.isProblem)
            #expect(res.json["status"] as? Int == 413)
        }
    }

    @Test func unknownRouteIs404ProblemJSON() async throws {
        try await withCRM { (t: TestContext) async throws in
            let res = try await t.get("/crm/no-such-thing")
            #expect(res.status == .notFound)
            #expect(res.isProblem)
            #expect(res.json["status"] as? Int == 404)
        }
    }

    @Test func requestIDIsEchoedOrGenerated() async throws {
        try await withCRM { (t: TestContext) async throws in
            let echoed = try await t.request(.GET, "/health", headers: [("X-Request-ID", "abc-123")])
            #expect(echoed.headers.first(name: "X-Request-ID") == "abc-123")
            let generated = try await t.get("/health")
            #expect(UUID(uuidString: generated.headers.first(name: "X-Request-ID") ?? "") != nil)
            let onError = try await t.request(.GET, "/auth/me", headers: [("X-Request-ID", "err-42")])
            #expect(onError.status == .unauthorized)
            #expect(onError.headers.first(name: "X-Request-ID") == "err-42")
            #expect(onError.json["requestId"] as? String == "err-42")
            let hostile = try await t.request(.GET, "/health", headers: [("X-Request-ID", String(repeating: "a", count: 300))])
            #expect(hostile.headers.first(name: "X-Request-ID")?.count == 36)
        }
    }

    @Test func healthAndReadyNeedNoToken() async throws {
        try await withCRM { (t: TestContext) async throws in
            let health = try await t.get("/health")
            #expect(health.status == .ok)
            #expect(health.json["status"] as? String == "ok")
            let ready = try await t.get("/ready")
            #expect(ready.status == .ok)
            #expect(ready.json["database"] as? String == "ok")
        }
    }

    @Test func readyReportsADatabaseFailure() async throws {
        // Nothing listens on port 1: the database is down while the process is up.
        try await withCRM(migrate: false, database: .postgres(url: "postgres://crm@127.0.0.1:1/crm")) { (t: TestContext) async throws in
            #expect(try await t.get("/health").status == .ok)
            let ready = try await t.get("/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.isProblem)
            #expect(ready.json["status"] as? Int == 503)
        }
    }

    @Test func internalErrorTextIsNeverExposed() {
        struct Secret: Error { let text = "password=hunter2 at db.internal" }
        let problem = ProblemMiddleware.problem(for: Secret())
        #expect(problem.status == .internalServerError)
        #expect(!problem.detail.contains("hunter2"))
        #expect(!problem.detail.contains("db.internal"))
    }
}

@Suite("Value coding")
struct ValueCodingTests {
    private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONCoding.decoder.decode([String: T].self, from: Data("{\"v\": \(json)}".utf8))["v"]!
    }

    @Test func timestampsAcceptRFC3339WithOrWithoutFractionsAndWriteUTC() throws {
        let plain = try decode(Date.self, #""2024-01-15T10:00:00Z""#)
        #expect(Timestamp.format(plain) == "2024-01-15T10:00:00.000Z")
        let fractional = try decode(Date.self, #""2024-01-15T10:00:00.250Z""#)
        #expect(Timestamp.format(fractional) == "2024-01-15T10:00:00.250Z")
        let offset = try decode(Date.self, #""2024-01-15T12:30:00+02:30""#)
        #expect(Timestamp.format(offset) == "2024-01-15T10:00:00.000Z")
        let leap = try decode(Date.self, #""2024-02-29T23:59:59-01:00""#)
        #expect(Timestamp.format(leap) == "2024-03-01T00:59:59.000Z")
        for bad in [#""2024-01-15""#, #""2024-13-01T00:00:00Z""#, #""2024-01-15T10:00:00""#, #""yesterday""#, "12"] {
            #expect(throws: DecodingError.self) { try decode(Date.self, bad) }
        }
        let encoded = String(decoding: try JSONCoding.encoder.encode(["at": plain]), as: UTF8.self)
        #expect(encoded == #"{"at":"2024-01-15T10:00:00.000Z"}"#)
    }

    @Test func calendarDatesAreStrict() throws {
        #expect(try decode(CalendarDate.self, #""2024-02-29""#).description == "2024-02-29")
        for bad in [#""2023-02-29""#, #""2024-1-5""#, #""2024-01-15T00:00:00Z""#] {
            #expect(throws: DecodingError.self) { try decode(CalendarDate.self, bad) }
        }
        #expect(CalendarDate("1970-01-01")!.daysSinceEpoch == 0)
        #expect(CalendarDate("2000-03-01")!.adding(days: -1).description == "2000-02-29")
        #expect(CalendarDate(containing: Timestamp.parse("2024-01-15T23:59:59Z")!).description == "2024-01-15")
    }

    @Test func moneyIsCentsWithAtMostTwoDecimals() throws {
        #expect(try decode(Money.self, "1500.5").cents == 150_050)
        #expect(try decode(Money.self, "0.07").cents == 7)
        #expect(try decode(Money.self, "19.99").cents == 1_999)
        #expect(try decode(Money.self, "250").cents == 25_000)
        for bad in ["-1", "1.005", "0.001", #""12.50""#] {
            #expect(throws: DecodingError.self) { try decode(Money.self, bad) }
        }
        let encoded = String(decoding: try JSONCoding.encoder.encode(["a": Money(cents: 150_050), "b": Money(cents: 7)]),
                             as: UTF8.self)
        #expect(encoded.contains(#""a":1500.5"#) && encoded.contains(#""b":0.07"#))
    }

    @Test func cursorsRoundTripAndRejectGarbage() {
        let cursor = Cursor(["1700000000123", UUID().uuidString])
        #expect(Cursor(encoded: cursor.encoded) == cursor)
        #expect(Cursor(encoded: "%%%") == nil)
        #expect(Cursor(encoded: "bm90LWpzb24") == nil)
    }

    /// A cursor carrying the smallest 64-bit number (whose absolute value does not exist) is a 400,
    /// not a crash.
    @Test func extremeNumbersInACursorAreRefused() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let id = UUID().uuidString
            for (path, values) in [("/crm/customers/repeat", [String(Int64.min), "0", id]),
                                   ("/crm/customers/repeat", ["1", String(Int64.min), id]),
                                   ("/crm/actions", ["1700000000000", String(Int64.min), id])] {
                let res = try await t.get("\(path)?cursor=\(Cursor(values).encoded)", token: admin.token)
                #expect(res.status == .badRequest, "\(path)")
                #expect(res.errorFields == ["cursor"], "\(path)")
            }
            #expect(try await t.get("/health").status == .ok)
        }
    }
}

import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// The SPEC's role table is the route table (`API.endpoints`): one row per route, each with its
/// audience. Every role gets the status class its row promises; a route registered outside the table
/// fails the coverage test.
@Suite("Role matrix")
struct RoleMatrixTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let method: HTTPMethod
        let path: String
        let audience: Audience
        let keys: KeyAccess
        var testDescription: String { "\(method.rawValue) \(path)" }
    }

    static let matrix: [Row] = API.endpoints.map { Row(method: $0.method, path: $0.routePath, audience: $0.audience, keys: $0.keys) }

    @Test func everyRouteHasARow() async throws {
        try await withCRM { (t: TestContext) async throws in
            let rows = Set(Self.matrix.map { "\($0.method.rawValue) \($0.path)" })
            #expect(rows.count == Self.matrix.count, "no duplicate rows")
            let served = ContractTests.routeOperations(t.app)
            #expect(served.subtracting(rows).sorted() == [], "routes without a row in the role matrix")
            #expect(rows.subtracting(served).sorted() == [], "rows without a route")
        }
    }

    @Test(arguments: matrix)
    func eachRoleGetsItsStatusClass(_ row: Row) async throws {
        try await withCRM { (t: TestContext) async throws in try await Self.check(row, on: t) }
    }

    /// What `token` (nil: none) gets from the row's route.
    static func status(_ row: Row, _ token: String?, on t: TestContext) async throws -> HTTPStatus {
        let path = row.path.replacingOccurrences(of: ":id", with: UUID().uuidString)
            .replacingOccurrences(of: ":tagId", with: UUID().uuidString)
            .replacingOccurrences(of: ":deliveryId", with: UUID().uuidString)
            .replacingOccurrences(of: ":name", with: "app.css")
        let hasBody = [.POST, .PUT, .PATCH].contains(row.method)
        if row.path.hasSuffix("/stream") {
            guard let token else { return try await t.get(path).status }
            let stream = EventStreamClient()
            try await stream.connect(baseURL: t.baseURL, token: token)
            stream.disconnect()
            return stream.status ?? .internalServerError
        }
        return try await t.request(row.method, path, token: token, json: hasBody ? [:] : nil).status
    }

    static func allowed(_ status: HTTPStatus) -> Bool {
        status != .unauthorized && status != .forbidden && status.code < 500
    }

    static func check(_ row: Row, on t: TestContext) async throws {
        let anonymous = try await status(row, nil, on: t)
        if row.audience == .platform {
            // A platform's webhook checks its own secret: no token, no role and no key gets past it.
            #expect(anonymous == .unauthorized || anonymous == .forbidden, "no secret, got \(anonymous.code)")
            for role in UserRole.allCases {
                let got = try await status(row, try await t.makeUser(role).token, on: t)
                #expect(got == .unauthorized || got == .forbidden, "\(role.rawValue) without the secret, got \(got.code)")
            }
            return
        }
        if row.audience == .anyone {
            #expect(anonymous != .unauthorized && anonymous != .forbidden && anonymous.code < 500)
        } else {
            #expect(anonymous == .unauthorized, "no token")
        }
        for role in UserRole.allCases {
            let user = try await t.makeUser(role)
            let got = try await status(row, user.token, on: t)
            if row.audience == .anyone || row.audience.roles.contains(role) {
                #expect(allowed(got), "\(role.rawValue) is allowed but got \(got.code)")
            } else {
                #expect(got == .forbidden, "\(role.rawValue) must be refused, got \(got.code)")
            }
        }
        // API keys: an ADMIN key with its role's rights, and a key narrowed to intake.
        guard row.audience != .anyone else { return }
        let admin = try await t.admin()
        let adminKey = try await t.makeKey(admin.token, role: .admin).key
        let intakeKey = try await t.makeKey(admin.token, role: .admin, scopes: ["intake"]).key
        let asAdminKey = try await status(row, adminKey, on: t)
        let asIntakeKey = try await status(row, intakeKey, on: t)
        switch row.keys {
        case .role:
            #expect(allowed(asAdminKey), "an ADMIN key is allowed but got \(asAdminKey.code)")
            #expect(asIntakeKey == .forbidden, "an intake key must be refused, got \(asIntakeKey.code)")
        case .refused:
            #expect(asAdminKey == .forbidden && asIntakeKey == .forbidden,
                    "keys must be refused, got \(asAdminKey.code) and \(asIntakeKey.code)")
        case .scope:
            #expect(asAdminKey == .forbidden, "a key without the scope must be refused, got \(asAdminKey.code)")
            #expect(allowed(asIntakeKey), "the scoped key is allowed but got \(asIntakeKey.code)")
        }
    }
}

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
        var testDescription: String { "\(method.rawValue) \(path)" }
    }

    static let matrix: [Row] = API.endpoints.map { Row(method: $0.method, path: $0.routePath, audience: $0.audience) }

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
        try await withCRM { (t: TestContext) async throws in
            let path = row.path.replacingOccurrences(of: ":id", with: UUID().uuidString)
                .replacingOccurrences(of: ":tagId", with: UUID().uuidString)
                .replacingOccurrences(of: ":name", with: "app.css")
            let hasBody = [.POST, .PUT, .PATCH].contains(row.method)
            func call(_ token: String?) async throws -> HTTPStatus {
                if row.path.hasSuffix("/stream") {
                    guard let token else { return try await t.get(path).status }
                    let stream = EventStreamClient()
                    try await stream.connect(baseURL: t.baseURL, token: token)
                    stream.disconnect()
                    return stream.status ?? .internalServerError
                }
                return try await t.request(row.method, path, token: token, json: hasBody ? [:] : nil).status
            }
            let anonymous = try await call(nil)
            if row.audience == .anyone {
                #expect(anonymous != .unauthorized && anonymous != .forbidden && anonymous.code < 500)
            } else {
                #expect(anonymous == .unauthorized, "no token")
            }
            for role in UserRole.allCases {
                let user = try await t.makeUser(role)
                let status = try await call(user.token)
                if row.audience == .anyone || row.audience.roles.contains(role) {
                    #expect(status != .unauthorized && status != .forbidden && status.code < 500,
                            "\(role.rawValue) is allowed but got \(status.code)")
                } else {
                    #expect(status == .forbidden, "\(role.rawValue) must be refused, got \(status.code)")
                }
            }
        }
    }
}

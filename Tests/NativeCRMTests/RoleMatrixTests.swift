import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// The SPEC's role table, one row per route. A route without a row fails the coverage test.
@Suite("Role matrix")
struct RoleMatrixTests {
    enum Audience: Sendable {
        case anonymous, everyone, frontDesk, sellers, admin

        var roles: Set<UserRole> {
            switch self {
            case .anonymous, .everyone: return [.salesperson, .secretariat, .admin]
            case .frontDesk: return [.secretariat, .admin]
            case .sellers: return [.salesperson, .admin]
            case .admin: return [.admin]
            }
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let method: HTTPMethod
        let path: String
        let audience: Audience
        var testDescription: String { "\(method.rawValue) \(path)" }
    }

    static let matrix: [Row] = [
        Row(method: .GET, path: "/health", audience: .anonymous),
        Row(method: .GET, path: "/ready", audience: .anonymous),
        Row(method: .GET, path: "/metrics", audience: .admin),          // or the CRM_METRICS_TOKEN scraper
        Row(method: .GET, path: "/openapi.yaml", audience: .anonymous),
        Row(method: .GET, path: "/docs", audience: .anonymous),
        Row(method: .GET, path: "/app", audience: .anonymous),              // the console signs in itself
        Row(method: .GET, path: "/app/assets/:name", audience: .anonymous),
        Row(method: .POST, path: "/auth/login", audience: .anonymous),
        Row(method: .GET, path: "/auth/me", audience: .everyone),
        Row(method: .POST, path: "/auth/logout", audience: .everyone),
        Row(method: .POST, path: "/auth/password", audience: .everyone),
        // users: ADMIN only
        Row(method: .POST, path: "/crm/users", audience: .admin),
        Row(method: .GET, path: "/crm/users", audience: .admin),
        Row(method: .PATCH, path: "/crm/users/:id", audience: .admin),
        Row(method: .GET, path: "/crm/users/:id", audience: .admin),  // and anyone for their own id
        // customers, records, communications: everyone
        Row(method: .POST, path: "/crm/customers", audience: .everyone),
        Row(method: .GET, path: "/crm/customers", audience: .everyone),
        Row(method: .GET, path: "/crm/customers/repeat", audience: .everyone),
        Row(method: .GET, path: "/crm/customers/follow-up", audience: .everyone),
        Row(method: .GET, path: "/crm/customers/:id", audience: .everyone),
        Row(method: .PATCH, path: "/crm/customers/:id", audience: .everyone),
        Row(method: .GET, path: "/crm/customers/:id/record", audience: .everyone),
        Row(method: .PUT, path: "/crm/customers/:id/record", audience: .everyone),
        Row(method: .POST, path: "/crm/communications", audience: .everyone),
        Row(method: .GET, path: "/crm/customers/:id/communications", audience: .everyone),
        Row(method: .PATCH, path: "/crm/communications/:id", audience: .everyone),  // logger, customer's salesperson
        // actions: everyone (a salesperson's scoped to their own)
        Row(method: .POST, path: "/crm/actions", audience: .everyone),
        Row(method: .GET, path: "/crm/actions", audience: .everyone),
        Row(method: .GET, path: "/crm/actions/pending", audience: .everyone),
        Row(method: .GET, path: "/crm/actions/:id", audience: .everyone),
        Row(method: .PUT, path: "/crm/actions/:id", audience: .everyone),
        // leads: everyone reads; updates scoped in the service
        Row(method: .POST, path: "/crm/leads", audience: .everyone),
        Row(method: .GET, path: "/crm/leads", audience: .everyone),
        Row(method: .GET, path: "/crm/leads/:id", audience: .everyone),
        Row(method: .PATCH, path: "/crm/leads/:id", audience: .everyone),
        // analytics: salesperson (own) and ADMIN
        Row(method: .GET, path: "/crm/analytics/salesperson", audience: .sellers),
        // notifications: everyone, always their own
        Row(method: .GET, path: "/crm/notifications", audience: .everyone),
        Row(method: .GET, path: "/crm/notifications/stream", audience: .everyone),
        Row(method: .POST, path: "/crm/notifications/stream-ticket", audience: .everyone),
        Row(method: .POST, path: "/crm/notifications/read-all", audience: .everyone),
        Row(method: .POST, path: "/crm/notifications/:id/read", audience: .everyone),
        // clinics, services, appointments: everyone reads, front desk writes
        Row(method: .GET, path: "/crm/clinics", audience: .everyone),
        Row(method: .POST, path: "/crm/clinics", audience: .frontDesk),
        Row(method: .GET, path: "/crm/services", audience: .everyone),
        Row(method: .POST, path: "/crm/services", audience: .frontDesk),
        Row(method: .PATCH, path: "/crm/clinics/:id", audience: .frontDesk),
        Row(method: .PATCH, path: "/crm/services/:id", audience: .frontDesk),
        Row(method: .GET, path: "/crm/appointments", audience: .everyone),
        Row(method: .GET, path: "/crm/appointments/:id", audience: .everyone),
        Row(method: .POST, path: "/crm/appointments", audience: .frontDesk),
        Row(method: .PATCH, path: "/crm/appointments/:id", audience: .frontDesk),
        // tags: everyone reads and tags customers; ADMIN manages the catalogue
        Row(method: .GET, path: "/crm/tags", audience: .everyone),
        Row(method: .GET, path: "/crm/tags/:tagId/customers", audience: .everyone),
        Row(method: .POST, path: "/crm/customers/:id/tags", audience: .everyone),
        Row(method: .DELETE, path: "/crm/customer-tags/:id", audience: .everyone),
        Row(method: .POST, path: "/crm/tags", audience: .admin),
        Row(method: .PATCH, path: "/crm/tags/:tagId", audience: .admin),
        Row(method: .DELETE, path: "/crm/tags/:tagId", audience: .admin),
        // audit: the whole trail for ADMIN, a customer's timeline for whoever reads customers
        Row(method: .GET, path: "/crm/audit", audience: .admin),
        Row(method: .GET, path: "/crm/customers/:id/audit", audience: .everyone),
        Row(method: .GET, path: "/crm/customers/:id/timeline", audience: .everyone),
    ]

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
            if row.audience == .anonymous {
                #expect(anonymous != .unauthorized && anonymous != .forbidden && anonymous.code < 500)
            } else {
                #expect(anonymous == .unauthorized, "no token")
            }
            for role in UserRole.allCases {
                let user = try await t.makeUser(role)
                let status = try await call(user.token)
                if row.audience.roles.contains(role) {
                    #expect(status != .unauthorized && status != .forbidden && status.code < 500,
                            "\(role.rawValue) is allowed but got \(status.code)")
                } else {
                    #expect(status == .forbidden, "\(role.rawValue) must be refused, got \(status.code)")
                }
            }
        }
    }
}

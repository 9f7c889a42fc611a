import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// A response as the client saw it, with the body parsed as plain JSON (not the server's DTOs).
struct APIResponse: Sendable {
    let status: HTTPStatus
    let headers: HTTPHeaders
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }

    /// The body as a JSON array of objects (empty when it is not one).
    var list: [[String: Any]] { (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] ?? [] }

    /// The fields named in a problem document's `errors`.
    var errorFields: [String] { (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String } }

    var isProblem: Bool { headers.first(name: .contentType)?.hasPrefix("application/problem+json") == true }

    /// The `cursor` of the `Link: <…>; rel="next"` header, if any.
    var nextLink: String? {
        guard let link = headers.first(name: .link), link.contains("rel=\"next\"") else { return nil }
        return link.split(separator: ">").first.map { String($0.dropFirst()) }
    }
}

/// A signed-in test user.
struct TestUser: Sendable {
    let id: String
    let email: String
    let password: String
    let role: UserRole
    let token: String
}

/// One test's running server, clock and helpers.
struct TestContext: Sendable {
    let app: Application
    let baseURL: String
    let clock: TestClock
    let config: AppConfig

    /// Sends a real HTTP request to the running server.
    func request(
        _ method: HTTPMethod, _ path: String, token: String? = nil, json: [String: Any]? = nil,
        raw: String? = nil, headers: [(String, String)] = []
    ) async throws -> APIResponse {
        var httpHeaders = HTTPHeaders(headers)
        if let token { httpHeaders.replaceOrAdd(name: .authorization, value: "Bearer \(token)") }
        var bodyData: Data?
        if let json { bodyData = try JSONSerialization.data(withJSONObject: json) }
        if let raw { bodyData = Data(raw.utf8) }
        if bodyData != nil, httpHeaders.first(name: .contentType) == nil {
            httpHeaders.replaceOrAdd(name: .contentType, value: "application/json")
        }
        let url = path.hasPrefix("http") ? path : baseURL + path
        let response = try await app.client.send(method, headers: httpHeaders, to: URI(string: url)) { request in
            if let bodyData { request.body = ByteBuffer(data: bodyData) }
        }
        let body = response.body.map { Data($0.readableBytesView) } ?? Data()
        return APIResponse(status: response.status, headers: response.headers, body: body)
    }

    func get(_ path: String, token: String? = nil) async throws -> APIResponse {
        try await request(.GET, path, token: token)
    }

    func post(_ path: String, token: String? = nil, _ json: [String: Any]) async throws -> APIResponse {
        try await request(.POST, path, token: token, json: json)
    }

    func patch(_ path: String, token: String? = nil, _ json: [String: Any]) async throws -> APIResponse {
        try await request(.PATCH, path, token: token, json: json)
    }

    func put(_ path: String, token: String? = nil, _ json: [String: Any]) async throws -> APIResponse {
        try await request(.PUT, path, token: token, json: json)
    }

    func login(_ email: String, _ password: String) async throws -> APIResponse {
        try await post("/auth/login", ["email": email, "password": password])
    }

    /// Creates a user straight through the service (not HTTP) and signs them in over HTTP.
    func makeUser(_ role: UserRole, name: String? = nil, email: String? = nil) async throws -> TestUser {
        let email = email ?? "\(role.rawValue.lowercased())-\(UUID().uuidString.prefix(8))@clinic.test".lowercased()
        let password = "password-\(UUID().uuidString.prefix(6))"
        let service = UserService(db: app.db, clock: CRMClock { clock.now }, hasher: PasswordHashing(app: app))
        let user = try await service.createDirect(email: email, name: name ?? "Test \(role.rawValue)",
                                                  role: role, password: password)
        let response = try await login(email, password)
        #expect(response.status == .ok, "login of a new \(role.rawValue) failed: \(response.text)")
        let token = response.json["token"] as? String ?? ""
        return TestUser(id: user.id!.uuidString, email: email, password: password, role: role, token: token)
    }

    func admin() async throws -> TestUser { try await makeUser(.admin) }
}

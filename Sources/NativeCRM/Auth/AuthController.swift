import Vapor

/// `POST /auth/login` and `GET /auth/me`.
struct AuthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let auth = routes.grouped("auth")
        auth.post("login", use: login)
        auth.signedIn().get("me", use: me)
    }

    @Sendable func login(req: Request) async throws -> LoginResponse {
        let input = try req.content.decode(LoginRequest.self)
        return try await AuthService(request: req).login(input)
    }

    @Sendable func me(req: Request) async throws -> UserResponse {
        guard let user = try await User.find(try req.caller.id, on: req.db) else { throw APIError.unauthorized }
        return UserResponse(user)
    }
}

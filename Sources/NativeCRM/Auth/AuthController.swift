import Vapor

/// `POST /auth/login`, `GET /auth/me`, `POST /auth/logout`, `POST /auth/password`.
struct AuthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let auth = routes.grouped("auth")
        auth.post("login", use: login)
        let signedIn = auth.signedIn(idempotent: false)
        signedIn.get("me", use: me)
        signedIn.post("logout", use: logout)
        signedIn.post("password", use: changePassword)
    }

    @Sendable func login(req: Request) async throws -> LoginResponse {
        let input = try req.decodeInput(LoginRequest.self)
        return try await AuthService(request: req).login(input)
    }

    @Sendable func me(req: Request) async throws -> UserResponse {
        guard let user = try await User.find(try req.caller.id, on: req.db) else { throw APIError.unauthorized }
        return UserResponse(user)
    }

    @Sendable func logout(req: Request) async throws -> HTTPStatus {
        try req.refuseBodyFields()
        try await AuthService(request: req).logout(try req.caller)
        return .noContent
    }

    @Sendable func changePassword(req: Request) async throws -> LoginResponse {
        let input = try req.decodeInput(PasswordChangeRequest.self)
        return try await AuthService(request: req).changePassword(input, caller: try req.caller)
    }
}

import Vapor

/// `POST /auth/login`, `GET /auth/me`, `POST /auth/logout`, `POST /auth/password`.
struct AuthController {
    /// `/auth` answers carry tokens, which must never be stored for a replay: no `Idempotency-Key`.
    var endpoints: [Endpoint] {
        [
            Endpoint(.POST, "/auth/login", .anyone, "Sign in and get a bearer token", use: login, .init(
                "login", tag: "Auth",
                "A wrong password, an unknown email and an inactive account all answer the same 401 "
                    + "(`invalid-credentials`). Failures are counted per client address: 5 for one account within 15 "
                    + "minutes lock that account for that address, 30 for any accounts lock the address, each for 15 "
                    + "minutes (429 with `Retry-After`). Other addresses are not locked out; an account failed more than 5 "
                    + "times from anywhere only answers more slowly (0.25 s doubling to 4 s).",
                body: LoginRequest.self,
                bodyExamples: Example.named(["login": ("Sign in", ["email": "admin@localhost", "password": "correct-horse-battery"])]),
                replies: [.ok(LoginResponse.ref, "Signed in.")], errors: [401, 429])),
            Endpoint(.GET, "/auth/me", .everyone, "The signed-in user", use: me, .init(
                "getCurrentUser", tag: "Auth", replies: [.ok(UserResponse.ref, "The caller.")])),
            Endpoint(.POST, "/auth/logout", .everyone, "End this token", use: logout, .init(
                "logout", tag: "Auth",
                "The token of this request stops working at once, on every instance; the user's other tokens stay.",
                replies: [.noContent("Signed out.")])).forPeopleOnly(),
            Endpoint(.POST, "/auth/password", .everyone, "Change your own password", use: changePassword, .init(
                "changePassword", tag: "Auth",
                "Checks `currentPassword` under the login throttle (a wrong one is a 400 naming it; too many: 429). "
                    + "Every earlier token of the user ends; the answer carries a new one.",
                body: PasswordChangeRequest.self,
                bodyExamples: Example.named(["change": ("Change the password",
                                                        ["currentPassword": "change-me-now", "newPassword": "a-longer-secret"])]),
                replies: [.ok(LoginResponse.ref, "Changed; a new token.")], errors: [400, 429])).forPeopleOnly(),
        ]
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

import Vapor

/// `POST/GET /crm/users`, `PATCH /crm/users/:id` (the route group decides who may call them), and
/// `GET /crm/users/:id` (`own`: an ADMIN, or any user for their own id).
struct UserController: RouteCollection {
    func own(_ routes: any RoutesBuilder) {
        routes.get("users", ":id", use: show)
    }

    @Sendable func show(req: Request) async throws -> UserResponse {
        UserResponse(try await UserService(request: req).find(try req.parameters.uuid("id"), for: try req.caller))
    }

    func boot(routes: any RoutesBuilder) throws {
        let users = routes.grouped("users")
        users.post(use: create)
        users.get(use: list)
        users.patch(":id", use: update)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let input = try req.decodeInput(CreateUserRequest.self)
        let user = try await UserService(request: req).create(input, by: try req.caller.actor)
        return try await UserResponse(user).encodeResponse(status: .created, for: req)
    }

    @Sendable func list(req: Request) async throws -> Response {
        let page = try PageRequest(from: req)
        let role = try UserRole.parse(req.query[String.self, at: "role"], field: "role")
        let active = try QueryParameter.bool(req, "active")
        return try await UserService(request: req).list(page, role: role, active: active)
            .map(UserResponse.init).response(for: req)
    }

    @Sendable func update(req: Request) async throws -> UserResponse {
        let id = try req.parameters.uuid("id")
        let input = try req.decodeInput(UpdateUserRequest.self)
        return UserResponse(try await UserService(request: req).update(id: id, input, by: try req.caller.actor))
    }
}

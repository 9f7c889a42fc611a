import Vapor

/// `POST/GET /crm/users`, `PATCH /crm/users/:id` (ADMIN), and
/// `GET /crm/users/:id` (an ADMIN, or any user for their own id).
struct UserController {
    var endpoints: [Endpoint] {
        [
            Endpoint(.POST, "/crm/users", .admin, "Create a user", use: create, .init(
                "createUser", tag: "Users", "Emails are unique ignoring case (409 `duplicate-email`).",
                body: CreateUserRequest.self,
                bodyExamples: Example.named(["salesperson": ("A salesperson", [
                    "email": "maria@clinic.example", "name": "Maria Rossi", "role": "SALESPERSON", "password": "s3cret-pass",
                ])]),
                replies: [.created(UserResponse.ref, "The created user.")], errors: [409])).forPeopleOnly(),
            Endpoint(.GET, "/crm/users", .admin, "List users", use: list, .init(
                "listUsers", tag: "Users", "Ordered by email; keyset-paged.",
                parameters: [Param.queryEnum("role", UserRole.self, "Only users with this role."),
                             Param.query("active", Param.boolean, "Only active (true) or inactive (false) users.")] + Param.paging,
                replies: [.ok(UserResponse.ref, "A page of users (bare array).", list: true)], errors: [400])).forPeopleOnly(),
            Endpoint(.GET, "/crm/users/{id}", .adminOrSelf, "One user", use: show, .init(
                "getUser", tag: "Users", parameters: [Param.path("id", "The user's id.")],
                replies: [.ok(UserResponse.ref, "The user.")], errors: [400, 404])).forPeopleOnly(),
            Endpoint(.PATCH, "/crm/users/{id}", .admin, "Rename, change role, (de)activate or reset the password of a user",
                     use: update, .init(
                "updateUser", tag: "Users", "The last active ADMIN cannot be demoted or deactivated (409 `last-admin`).",
                parameters: [Param.path("id", "The user's id.")], body: UpdateUserRequest.self,
                bodyExamples: Example.named([
                    "deactivate": ("Deactivate", ["active": false]),
                    "reset": ("Reset the password", ["password": "a-new-secret-1"]),
                ]),
                replies: [.ok(UserResponse.ref, "The updated user.")], errors: [404, 409])).forPeopleOnly(),
        ]
    }

    @Sendable func show(req: Request) async throws -> UserResponse {
        UserResponse(try await UserService(request: req).find(try req.parameters.uuid("id"), for: try req.caller))
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

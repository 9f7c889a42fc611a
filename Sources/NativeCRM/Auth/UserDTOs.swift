import Vapor

/// A user as the API shows it; never the password hash.
struct UserResponse: Content {
    var id: UUID
    var email: String
    var name: String
    var role: UserRole
    var active: Bool
    var createdAt: Date
    var updatedAt: Date

    init(_ user: User) {
        id = user.id!
        email = user.email
        name = user.name
        role = user.role
        active = user.active
        createdAt = user.createdAt
        updatedAt = user.updatedAt
    }
}

/// `POST /crm/users`.
struct CreateUserRequest: Content {
    var email: String
    var name: String
    var role: UserRole
    var password: String
    var active: Bool?
}

/// `PATCH /crm/users/:id`: only the fields present change. `password` is an ADMIN's reset.
struct UpdateUserRequest: Content {
    var name: String?
    var role: UserRole?
    var active: Bool?
    var password: String?
}

/// `POST /auth/login`.
struct LoginRequest: Content {
    var email: String
    var password: String
}

/// `POST /auth/password`: the caller changes their own password.
struct PasswordChangeRequest: Content {
    var currentPassword: String
    var newPassword: String
}

/// The short user block inside a login response.
struct LoginUser: Content {
    var id: UUID
    var email: String
    var name: String
    var role: UserRole
}

struct LoginResponse: Content {
    var token: String
    var expiresAt: Date
    var user: LoginUser
}

/// Shared checks on user input, reporting every bad field at once.
enum UserInput {
    static func normalizedEmail(_ raw: String) -> String { ContactFields.normalizeEmail(raw) }

    static func isPlausibleEmail(_ email: String) -> Bool { ContactFields.isPlausibleEmail(email) }

    static func checkName(_ name: String?, into errors: inout FieldErrors) {
        if let name { errors.requiredText(name, "name", max: TextLimits.name) }
    }

    static func checkPassword(_ password: String, field: String = "password", into errors: inout FieldErrors) {
        errors.check(password.count >= 8 && password.count <= 72, field, "must be 8 to 72 characters")
    }
}

import OpenAPIKit
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

    /// A password's length in characters (bcrypt reads at most 72 bytes).
    static let passwordLength = 8...72

    static func checkPassword(_ password: String, field: String = "password", into errors: inout FieldErrors) {
        errors.check(passwordLength.contains(password.count), field,
                     "must be \(passwordLength.lowerBound) to \(passwordLength.upperBound) characters")
    }
}

// MARK: - The API document's schemas

extension UserResponse: Documented {
    static let schemaName = "User"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid, "email": Schema.string, "name": Schema.string, "role": UserRole.ref, "active": Schema.boolean,
            "createdAt": Schema.dateTime, "updatedAt": Schema.dateTime,
        ], description: "A user of the CRM (never the password hash).")
    }
}

extension CreateUserRequest: Documented {
    static let schemaName = "CreateUserRequest"
    static var schema: JSONSchema {
        Schema.request([
            "email": JSONSchema.string(
                format: .email, description: "Trimmed and lower-cased; must be a plausible address; unique (409 `duplicate-email`).",
                maxLength: TextLimits.email),
            "name": Schema.name,
            "role": UserRole.ref,
            "password": Schema.password,
            "active": Schema.boolean.described("Defaults to true; null is the same as absent.").orNull,
        ], required: ["email", "name", "role", "password"])
    }
}

extension UpdateUserRequest: Documented {
    static let schemaName = "UpdateUserRequest"
    static var schema: JSONSchema {
        Schema.request([
            "name": Schema.name.orNull,
            "role": Schema.oneOf(UserRole.self).orNull,
            "active": Schema.boolean.described("Deactivating or reactivating ends every token issued before.").orNull,
            "password": Schema.password.described(
                "An ADMIN's reset: 8 to 72 characters; ends every token of the user issued before.").orNull,
        ], required: [],
        description: "Only the fields present (and not null) change; any other key is a 400 naming it. Demoting or "
            + "deactivating the last active ADMIN is a 409 `last-admin`.")
    }
}

extension LoginRequest: Documented {
    static let schemaName = "LoginRequest"
    static var schema: JSONSchema {
        Schema.request([
            "email": JSONSchema.string(
                description: "Trimmed and lower-cased before lookup; over 254 characters: 400.", maxLength: TextLimits.email),
            "password": Schema.string,
        ])
    }
}

extension PasswordChangeRequest: Documented {
    static let schemaName = "PasswordChangeRequest"
    static var schema: JSONSchema {
        Schema.request([
            "currentPassword": Schema.string.described(
                "The caller's password now; a wrong one is a 400 naming it and counts as a failed login."),
            "newPassword": Schema.password,
        ])
    }
}

extension LoginUser: Documented {
    static let schemaName = "LoginUser"
    static var schema: JSONSchema {
        Schema.response(["id": Schema.uuid, "email": Schema.string, "name": Schema.string, "role": UserRole.ref])
    }
}

extension LoginResponse: Documented {
    static let schemaName = "LoginResponse"
    static var schema: JSONSchema {
        Schema.response([
            "token": Schema.string.described(
                "Bearer JWT (HS256) with `sub`, `exp`, `iat`, `jti`, `role` and `ver` (the user's token epoch)."),
            "expiresAt": Schema.dateTime,
            "user": LoginUser.ref,
        ])
    }
}

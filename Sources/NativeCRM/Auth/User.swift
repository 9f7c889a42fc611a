import Fluent
import SQLKit
import Vapor

/// A person who signs in: salesperson, front desk or manager. Email is stored lower-cased and unique.
final class User: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Field(key: "email") var email: String
    @Field(key: "name") var name: String
    @Field(key: "role") var role: UserRole
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// Moves on when every earlier token must end (deactivation, reactivation, password change or reset).
    @Field(key: "token_epoch") var tokenEpoch: Int
    @OptionalField(key: "password_changed_at") var passwordChangedAt: Date?
    /// A person, or an API key's own row (`APIKey`): only people sign in, are listed, managed and
    /// assigned customers, leads or actions.
    @Field(key: "kind") var kind: UserKind

    init() {}

    init(id: UUID? = nil, email: String, name: String, role: UserRole, passwordHash: String,
         active: Bool = true, now: Date) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.active = active
        self.createdAt = now
        self.updatedAt = now
        self.tokenEpoch = 0
        self.kind = .person
    }
}

extension User {
    /// `kind = 'person'` on a `users` row (`alias.` when given): the people, not the API keys.
    static func personSQL(_ alias: String? = nil) -> SQLQueryString {
        "\(unsafeRaw: alias.map { $0 + "." } ?? "")kind = \(literal: UserKind.person.rawValue)"
    }

    /// Checks that `id` names an active person (of `role`, when given); otherwise a 400 naming `field`.
    static func requireActive(_ id: UUID, role: UserRole? = nil, field: String, on db: any Database) async throws {
        guard let user = try await User.find(id, on: db), user.active, user.kind == .person,
              role.map({ $0 == user.role }) ?? true else {
            throw APIError.invalid(field, "must be the id of an active \(role?.rawValue ?? "user")")
        }
    }

    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $email, $name, $role, $passwordHash, $active, $createdAt, $updatedAt, $tokenEpoch, $passwordChangedAt, $kind] }
}

/// What the audit trail records of it (`AuditLog`).
extension User: Auditable {
    static let auditType = "user"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { nil }
    var auditFields: [String: JSONValue] {
        ["email": .init(email), "name": .init(name), "role": .init(role), "active": .init(active),
         "passwordChangedAt": .init(passwordChangedAt)]
    }
}

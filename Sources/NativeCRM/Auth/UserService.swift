import Fluent
import SQLKit
import Vapor

/// Manages the people who use the CRM (ADMIN only): create, list, rename, change role, deactivate.
struct UserService: Sendable {
    let db: any Database
    let clock: CRMClock
    let hasher: PasswordHashing

    init(db: any Database, clock: CRMClock, hasher: PasswordHashing) {
        self.db = db
        self.clock = clock
        self.hasher = hasher
    }

    init(request: Request) {
        self.init(db: request.db, clock: request.clock, hasher: PasswordHashing(app: request.application))
    }

    func create(_ input: Input<CreateUserRequest>, by actor: Actor) async throws -> User {
        let email = UserInput.normalizedEmail(input.email)
        var errors = input.problems
        errors.check(UserInput.isPlausibleEmail(email), "email", "must be a valid email address")
        UserInput.checkName(input.name, into: &errors)
        UserInput.checkPassword(input.password, into: &errors)
        try errors.throwIfAny()

        let user = User(email: email, name: input.name.trimmingCharacters(in: .whitespacesAndNewlines),
                        role: input.role, passwordHash: try await hasher.hash(input.password),
                        active: input.active ?? true, now: clock.now)
        do {
            try await db.transaction { db in
                try await user.create(on: db)
                try await AuditLog(db: db, clock: clock, actor: actor).created(user)
            }
        } catch where ConstraintViolation(error)?.isUnique(User.schema, "email") == true {
            throw APIError.conflict("A user with this email already exists.", code: "duplicate-email")
        }
        return user
    }

    /// One user: an ADMIN may read anyone, everyone else only themselves (403 for another id).
    func find(_ id: UUID, for caller: AuthenticatedUser) async throws -> User {
        guard caller.role == .admin || caller.id == id else {
            throw APIError(.forbidden, code: "forbidden", detail: "Only an ADMIN reads other users.")
        }
        guard let user = try await User.find(id, on: db), user.kind == .person else { throw APIError.notFound("User") }
        return user
    }

    func list(_ page: PageRequest, role: UserRole?, active: Bool?) async throws -> Page<User> {
        let query = User.query(on: db).filter(\.$kind == .person)
        if let role { query.filter(\.$role == role) }
        if let active { query.filter(\.$active == active) }
        return try await query.page(ascendingBy: \.$email, page) { $0.email }
    }

    /// Name, role, active and an ADMIN's password reset. Deactivation, reactivation and a reset end
    /// every earlier token of the user (its token epoch moves on).
    func update(id: UUID, _ input: Input<UpdateUserRequest>, by actor: Actor) async throws -> User {
        var errors = input.problems
        UserInput.checkName(input.name, into: &errors)
        if let password = input.password { UserInput.checkPassword(password, into: &errors) }
        try errors.throwIfAny()
        // bcrypt before the transaction: no row stays locked while it runs.
        let newHash: String? = if let password = input.password { try await hasher.hash(password) } else { nil }
        let now = clock.now
        return try await db.transaction { db in
            if input.role != nil || input.active != nil {
                // Lock the active admins first (a row lock on PostgreSQL, the write lock on SQLite), so two
                // managers demoting each other at once cannot both see "one other admin left".
                try await db.sql.raw("""
                    UPDATE users SET updated_at = updated_at WHERE role = \(bind: UserRole.admin.rawValue) AND active = \(bind: true)
                    """).run()
            }
            guard let user = try await User.find(id, on: db), user.kind == .person else { throw APIError.notFound("User") }
            let before = user.auditFields
            let losesAdmin = user.role == .admin && user.active
                && ((input.role.map { $0 != .admin } ?? false) || input.active == false)
            if losesAdmin {
                let otherAdmins = try await User.query(on: db)
                    .filter(\.$role == .admin).filter(\.$active == true).filter(\.$kind == .person).filter(\.$id != id).count()
                if otherAdmins == 0 {
                    throw APIError.conflict("The last active ADMIN cannot be demoted or deactivated.",
                                            code: "last-admin")
                }
            }
            if let name = input.name { user.name = name.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let role = input.role { user.role = role }
            if let active = input.active, active != user.active {
                user.active = active
                user.tokenEpoch += 1
            }
            if let newHash {
                user.passwordHash = newHash
                user.passwordChangedAt = now
                user.tokenEpoch += 1
            }
            user.updatedAt = now
            try await user.save(on: db)
            try await AuditLog(db: db, clock: clock, actor: actor).updated(user, before: before)
            return user
        }
    }

    /// A new password hash for the user (`POST /auth/password`); every earlier token ends.
    func setPassword(userID: UUID, hash: String, by actor: Actor) async throws -> User {
        try await db.transaction { db in
            guard let user = try await User.find(userID, on: db) else { throw APIError.notFound("User") }
            let before = user.auditFields
            user.passwordHash = hash
            user.passwordChangedAt = clock.now
            user.tokenEpoch += 1
            user.updatedAt = clock.now
            try await user.save(on: db)
            try await AuditLog(db: db, clock: clock, actor: actor).updated(user, before: before)
            return user
        }
    }

    /// Creates a user from the command line (`crm create-user`) or the first-admin bootstrap.
    func createDirect(email: String, name: String, role: UserRole, password: String) async throws -> User {
        try await create(Input(CreateUserRequest(email: email, name: name, role: role, password: password, active: true)),
                         by: .system)
    }
}

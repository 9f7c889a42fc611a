import Fluent
import Vapor

/// `crm create-user --email E --name N --role ROLE --password P`
struct CreateUserCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "email", help: "Sign-in email") var email: String?
        @Option(name: "name", help: "Display name") var name: String?
        @Option(name: "role", help: "SALESPERSON, SECRETARIAT or ADMIN") var role: String?
        @Option(name: "password", help: "Password (8 to 72 characters)") var password: String?
    }

    var help: String { "Creates a user (migrating the database first if needed)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let email = signature.email, let name = signature.name,
              let rawRole = signature.role, let password = signature.password else {
            throw ConfigurationError(variable: "create-user",
                                     problem: "needs --email, --name, --role and --password")
        }
        guard let role = UserRole(rawValue: rawRole.uppercased()) else {
            throw ConfigurationError(variable: "--role", problem: UserRole.allowedMessage)
        }
        let app = context.application
        try await app.autoMigrate()
        let service = UserService(db: app.db, clock: app.clock, hasher: PasswordHashing(app: app))
        do {
            let user = try await service.createDirect(email: email, name: name, role: role, password: password)
            context.console.print("Created \(user.role.rawValue) \(user.email) (\(user.id!.uuidString))")
        } catch let error as APIError {
            let fields = error.errors.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
            throw ConfigurationError(variable: "create-user", problem: fields.isEmpty ? error.detail : fields)
        }
    }
}

import Fluent
import Foundation
import Vapor

/// `crm create-user --email E --name N --role ROLE`, the password from `CRM_NEW_USER_PASSWORD` or, without
/// it, the first line of standard input — never an argument, which other users of the machine can read
/// in the process list and which shells keep in their history.
struct CreateUserCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "email", help: "Sign-in email") var email: String?
        @Option(name: "name", help: "Display name") var name: String?
        @Option(name: "role", help: "SALESPERSON, SECRETARIAT or ADMIN") var role: String?
        @Option(name: "password", help: "Not accepted: set CRM_NEW_USER_PASSWORD or type it on standard input") var password: String?
    }

    /// Where the password comes from (tests give their own).
    var readPassword: @Sendable () -> String? = { Self.password(from: ProcessInfo.processInfo.environment) }

    var help: String {
        "Creates a user (migrating the database first if needed); the password comes from CRM_NEW_USER_PASSWORD or standard input."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.password == nil else {
            throw ConfigurationError(variable: "--password",
                                     problem: "is not accepted on the command line; set CRM_NEW_USER_PASSWORD or pipe it on standard input")
        }
        guard let email = signature.email, let name = signature.name, let rawRole = signature.role else {
            throw ConfigurationError(variable: "create-user", problem: "needs --email, --name and --role")
        }
        guard let role = UserRole(rawValue: rawRole.uppercased()) else {
            throw ConfigurationError(variable: "--role", problem: UserRole.allowedMessage)
        }
        guard let password = readPassword(), !password.isEmpty else {
            throw ConfigurationError(variable: "CRM_NEW_USER_PASSWORD",
                                     problem: "is not set and standard input gave no password")
        }
        let app = context.application
        try await DatabaseSetup.migrate(app)
        let service = UserService(db: app.db, clock: app.clock, hasher: PasswordHashing(app: app))
        do {
            let user = try await service.createDirect(email: email, name: name, role: role, password: password)
            context.console.print("Created \(user.role.rawValue) \(user.email) (\(user.id!.uuidString))")
        } catch let error as APIError {
            let fields = error.errors.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
            throw ConfigurationError(variable: "create-user", problem: fields.isEmpty ? error.detail : fields)
        }
    }

    /// `CRM_NEW_USER_PASSWORD`, else the first line of standard input (without its line break).
    static func password(from environment: [String: String]) -> String? {
        if let value = environment["CRM_NEW_USER_PASSWORD"], !value.isEmpty { return value }
        return readLine(strippingNewline: true)
    }
}

import Fluent
import Vapor

/// Creates the first ADMIN on an empty database: from `CRM_ADMIN_EMAIL`/`CRM_ADMIN_PASSWORD`, or
/// `admin@localhost` with a random password printed once.
enum AdminBootstrap {
    struct Created: Sendable {
        let email: String
        /// Set only when the password was generated (it is shown once and never stored in clear).
        let generatedPassword: String?
    }

    @discardableResult
    static func run(on app: Application) async throws -> Created? {
        guard try await User.query(on: app.db).count() == 0 else { return nil }
        let config = app.crmConfig
        let email = config.adminEmail ?? "admin@localhost"
        let generated = config.adminPassword == nil ? [UInt8].random(count: 18).base64
            .replacingOccurrences(of: "/", with: "x").replacingOccurrences(of: "+", with: "y") : nil
        let service = UserService(db: app.db, clock: app.clock, hasher: PasswordHashing(app: app))
        do {
            _ = try await service.createDirect(email: email, name: "Administrator", role: .admin,
                                               password: config.adminPassword ?? generated!)
        } catch let error as APIError where error.status == .conflict {
            return nil  // another instance created it first
        }
        if let generated {
            // Printed once on purpose (SPEC): the only way to learn the generated password.
            app.logger.notice("Created first ADMIN \(email) with password \(generated) — change it after signing in.")
        } else {
            app.logger.notice("Created first ADMIN \(email) from CRM_ADMIN_EMAIL/CRM_ADMIN_PASSWORD.")
        }
        return Created(email: email, generatedPassword: generated)
    }
}

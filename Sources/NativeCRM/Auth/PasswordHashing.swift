import Vapor

/// bcrypt hashing off the event loop (cost from `CRM_BCRYPT_COST`).
struct PasswordHashing: Sendable {
    let app: Application

    func hash(_ password: String) async throws -> String {
        try await app.password.async.hash(password).get()
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        try await app.password.async.verify(password, created: hash).get()
    }
}

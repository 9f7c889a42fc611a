import Vapor
@testable import NativeCRM

extension RoutesBuilder {
    /// A test-build route group behind the same guard as an `.everyone` endpoint of the route table
    /// (a valid token of any role; POSTs honour `Idempotency-Key`).
    func signedIn() -> any RoutesBuilder {
        grouped(Endpoint(.POST, "/crm/test", .everyone, "test", use: { _ in HTTPStatus.noContent }, nil).middleware)
    }
}

import Vapor

/// Shuts the app down in the order that loses nothing: open notification streams end, the HTTP server
/// stops accepting and lets in-flight requests finish, then the scheduler, the database pools and the
/// rest go (Vapor's own shutdown does not order the server before the databases).
public func shutDownGracefully(_ app: Application) async throws {
    app.notificationFanout.close()
    await app.server.shutdown()
    try await app.asyncShutdown()
}

import Foundation
import NativeCRM
import NIOCore
import NIOPosix
import Vapor

// Async handlers run on the event loops themselves instead of hopping to Swift's own thread pool and
// back around every database call (measured in bench/ANALYSIS.md). Blocking work (bcrypt, SQLite)
// goes to the app's thread pool, never to an event loop.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

var env = try Environment.detect()
// Never below `LogPolicy.floor`: lower, the framework and drivers quote queries, request heads and
// bound values — personal data and tokens.
try LoggingSystem.bootstrap(from: &env) { level in
    let console = Terminal()
    let floor = max(level, LogPolicy.floor)
    return { label in ConsoleLogger(label: label, console: console, level: floor) }
}
let app = try await Application.make(env)
do {
    try await configure(app)
    try await app.execute()
    try await shutDownGracefully(app)  // after SIGTERM/SIGINT: in-flight requests finish first
} catch let error as ConfigurationError {
    FileHandle.standardError.write(Data("crm: \(error.description)\n".utf8))
    try? await app.asyncShutdown()
    exit(1)
} catch {
    app.logger.report(error: error)
    try? await app.asyncShutdown()
    exit(1)
}

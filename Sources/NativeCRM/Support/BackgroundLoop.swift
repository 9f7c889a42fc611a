import NIOConcurrencyHelpers
import Vapor

/// A job run over and over while the server runs, owned by the app's lifecycle: started after boot,
/// cancelled and awaited on shutdown (then `finish` runs). A failed run is logged and the loop carries
/// on; a run that answers true (more is due) goes again at once, otherwise after `interval`.
final class BackgroundLoop: LifecycleHandler, Sendable {
    /// One pass of the job; true when more work is waiting.
    typealias Run = @Sendable () async throws -> Bool

    struct Job: Sendable {
        var interval: Duration
        var run: Run
        var finish: (@Sendable () async -> Void)? = nil
    }

    private let logger: Logger
    /// What the loop is called in its log lines ("notification scheduler stopped").
    private let name: String
    private let makeJob: @Sendable (Application) -> Job
    private let task = NIOLockedValueBox<(Task<Void, Never>, Job)?>(nil)

    init(label: String, name: String, _ makeJob: @escaping @Sendable (Application) -> Job) {
        logger = Logger(label: label)
        self.name = name
        self.makeJob = makeJob
    }

    func didBoot(_ app: Application) throws {
        let job = makeJob(app)
        let logger = logger
        let name = name
        task.withLockedValue { current in
            current = (Task {
                while !Task.isCancelled {
                    var more = false
                    do { more = try await job.run() } catch is CancellationError { break } catch {
                        logger.error("\(name) run failed", metadata: ErrorSummary(error).metadata)
                    }
                    if !more { try? await Task.sleep(for: job.interval) }
                }
            }, job)
        }
    }

    func shutdownAsync(_ app: Application) async {
        let running = task.withLockedValue { current -> (Task<Void, Never>, Job)? in
            defer { current = nil }
            return current
        }
        guard let (loop, job) = running else { return }
        loop.cancel()
        await loop.value
        await job.finish?()
        logger.notice("\(name) stopped")
    }

    func shutdown(_ app: Application) { task.withLockedValue { $0?.0.cancel() } }
}

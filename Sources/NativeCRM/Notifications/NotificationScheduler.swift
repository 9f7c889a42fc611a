import Fluent
import NIOConcurrencyHelpers
import Vapor

/// Runs `SendTimedNotificationsJob` every `CRM_SCHEDULER_INTERVAL` seconds while the server runs.
/// Owned by the app's lifecycle: starts after boot, is cancelled (and awaited) on shutdown. A failed
/// run is logged and the loop carries on. Safe with several instances: delivery keys are unique.
final class NotificationScheduler: LifecycleHandler, Sendable {
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    func didBoot(_ app: Application) throws {
        let interval = app.crmConfig.schedulerInterval
        let logger = Logger(label: "crm.scheduler")
        let job = SendTimedNotificationsJob(db: app.db, clock: app.clock,
                                            reminderMinutes: app.crmConfig.reminderMinutes,
                                            clinicTime: app.clinicTime)
        let clock = app.clock
        let purge = PurgeExpiredRowsJob(app: app)
        task.withLockedValue { current in
            current = Task {
                while !Task.isCancelled {
                    do {
                        let report = try await job.run(at: clock.now)
                        if report.total > 0 { logger.info("notifications sent", metadata: ["sent": "\(report)"]) }
                        try await purge.run()
                    } catch is CancellationError {
                        break
                    } catch {
                        logger.error("notification run failed", metadata: ErrorSummary(error).metadata)
                    }
                    try? await Task.sleep(for: .seconds(interval))
                }
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        let running = task.withLockedValue { current -> Task<Void, Never>? in
            defer { current = nil }
            return current
        }
        running?.cancel()
        await running?.value
        if running != nil { app.logger.notice("notification scheduler stopped") }
    }

    func shutdown(_ app: Application) {
        task.withLockedValue { $0?.cancel() }
    }
}

import Fluent
import Vapor

/// Runs `SendTimedNotificationsJob` (then `PurgeExpiredRowsJob`) every `CRM_SCHEDULER_INTERVAL` seconds
/// while the server runs. Safe with several instances: delivery keys are unique.
enum NotificationScheduler {
    static func loop() -> BackgroundLoop {
        BackgroundLoop(label: "crm.scheduler", name: "notification scheduler") { app in
            let logger = Logger(label: "crm.scheduler")
            let job = SendTimedNotificationsJob(db: app.db, clock: app.clock,
                                                reminderMinutes: app.crmConfig.reminderMinutes,
                                                clinicTime: app.clinicTime)
            let clock = app.clock
            let purge = PurgeExpiredRowsJob(app: app)
            return .init(interval: .seconds(app.crmConfig.schedulerInterval)) {
                let report = try await job.run(at: clock.now)
                if report.total > 0 { logger.info("notifications sent", metadata: ["sent": "\(report)"]) }
                try await purge.run()
                return false
            }
        }
    }
}

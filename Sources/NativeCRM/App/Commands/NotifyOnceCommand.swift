import Fluent
import Vapor

/// `crm notify-once`: evaluates the time-based notification triggers once, now.
struct NotifyOnceCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Sends the due time-based notifications once (what the scheduler does every interval)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let job = SendTimedNotificationsJob(db: app.db, clock: app.clock, reminderMinutes: app.crmConfig.reminderMinutes,
                                           clinicTime: app.clinicTime)
        let report = try await job.run(at: app.clock.now)
        context.console.print("Sent \(report.total) notifications (\(report)).")
    }
}

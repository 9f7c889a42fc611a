import Fluent
import SQLKit
import Vapor

/// The time-based triggers, evaluated at one instant: communication reminders, upcoming appointments,
/// tasks due soon and overdue tasks. Each candidate is delivered exactly once per user and occurrence
/// (the delivery key holds the occurrence's time, so a moved time is a new occurrence) and then
/// marked, so the next run's candidate query skips it. Batches are bounded; what is left waits for
/// the next run.
struct SendTimedNotificationsJob: Sendable {
    let db: any Database
    let clock: CRMClock
    let reminderMinutes: Int
    var clinicTime = ClinicTime.utc
    var batchSize = 500

    static let upcomingWindow: TimeInterval = 24 * 3600
    /// Overdue tasks older than this are not announced (a scheduler that was down a week should not
    /// flood inboxes with stale alerts).
    static let overdueLookback: TimeInterval = 7 * 86_400

    struct Report: Equatable, Sendable, CustomStringConvertible {
        var communicationReminders = 0
        var appointmentsUpcoming = 0
        var tasksDueSoon = 0
        var tasksOverdue = 0

        var total: Int { communicationReminders + appointmentsUpcoming + tasksDueSoon + tasksOverdue }
        var description: String {
            "reminders=\(communicationReminders) upcoming=\(appointmentsUpcoming) dueSoon=\(tasksDueSoon) overdue=\(tasksOverdue)"
        }
    }

    func run(at now: Date) async throws -> Report {
        var report = Report()
        report.communicationReminders = try await communicationReminders(now)
        report.appointmentsUpcoming = try await upcomingAppointments(now)
        report.tasksDueSoon = try await dueTasks(now, overdue: false)
        report.tasksOverdue = try await dueTasks(now, overdue: true)
        CRMMetrics.schedulerRuns.increment()
        return report
    }

    private func communicationReminders(_ now: Date) async throws -> Int {
        let candidates = try await Communication.query(on: db)
            .join(Customer.self, on: \Communication.$customerID == \Customer.$id)
            .filter(\.$status == .scheduled)
            .filter(\.$scheduledAt > now)
            .filter(\.$scheduledAt <= now.addingTimeInterval(Double(reminderMinutes) * 60))
            .filter(.sql(embed: NotificationMarkers.unannounced(
                .communicationReminder, entity: SQLColumn("id", table: Communication.schema),
                occurrence: SQLColumn("scheduled_at", table: Communication.schema))))
            .limit(batchSize).all()
        return try await deliver(candidates) { communication, db in
            let at = communication.scheduledAt!
            try await NotificationMarkers(db: db).mark(.communicationReminder, entityID: communication.id!, occurrence: at)
            // The customer's salesperson does the call; without one, whoever scheduled it.
            let customer = try communication.joined(Customer.self)
            let recipient = customer.assignedSalesID ?? communication.loggedBy
            let what = communication.subject.map { " (\($0))" } ?? ""
            return NotificationDraft(
                userID: recipient, type: .communicationReminder,
                title: "Upcoming \(communication.type.rawValue)",
                body: "\(communication.type.rawValue.capitalized) with \(customer.firstName) \(customer.lastName)\(what) "
                    + "at \(clinicTime.format(at)).",
                entityType: "communication", entityID: communication.id!,
                deliveryKey: Self.key(.communicationReminder, communication.id!, at, recipient))
        }
    }

    private func upcomingAppointments(_ now: Date) async throws -> Int {
        let candidates = try await Appointment.query(on: db)
            .join(Customer.self, on: \Appointment.$customerID == \Customer.$id)
            .filter(\.$status ~~ AppointmentStatus.upcoming)
            .filter(\.$startTime > now)
            .filter(\.$startTime <= now.addingTimeInterval(Self.upcomingWindow))
            .filter(.sql(embed: NotificationMarkers.unannounced(
                .appointmentUpcoming, entity: SQLColumn("id", table: Appointment.schema),
                occurrence: SQLColumn("start_time", table: Appointment.schema))))
            .limit(batchSize).all()
        return try await deliver(candidates) { appointment, db in
            try await NotificationMarkers(db: db)
                .mark(.appointmentUpcoming, entityID: appointment.id!, occurrence: appointment.startTime)
            let customer = try appointment.joined(Customer.self)
            guard let salesID = customer.assignedSalesID else { return nil }
            return NotificationDraft(
                userID: salesID, type: .appointmentUpcoming, title: "Upcoming appointment",
                body: "\(customer.firstName) \(customer.lastName) is booked for \(clinicTime.format(appointment.startTime)).",
                entityType: "appointment", entityID: appointment.id!,
                deliveryKey: Self.key(.appointmentUpcoming, appointment.id!, appointment.startTime, salesID))
        }
    }

    private func dueTasks(_ now: Date, overdue: Bool) async throws -> Int {
        let query = SalesAction.query(on: db).filter(\.$assignedTo != nil)
        // `sort_due_at` is the due date where there is one; the status index orders by it.
        if overdue {
            query.filter(.sql(embed: ActionDue.overdueSQL(due: "sort_due_at", now: now)))
                .filter(\.$sortDueAt > now.addingTimeInterval(-Self.overdueLookback))
                .filter(.sql(embed: NotificationMarkers.unannounced(
                    .taskOverdue, entity: SQLColumn("id", table: SalesAction.schema),
                    occurrence: SQLColumn("due_date", table: SalesAction.schema))))
        } else {
            query.filter(.sql(embed: ActionDue.dueSoonSQL(due: "sort_due_at", now: now)))
                .filter(.sql(embed: NotificationMarkers.unannounced(
                    .taskDueSoon, entity: SQLColumn("id", table: SalesAction.schema),
                    occurrence: SQLColumn("due_date", table: SalesAction.schema))))
        }
        let candidates = try await query.limit(batchSize).all()
        return try await deliver(candidates) { action, db in
            let due = action.dueDate!
            let type: NotificationType = overdue ? .taskOverdue : .taskDueSoon
            try await NotificationMarkers(db: db).mark(type, entityID: action.id!, occurrence: due)
            return NotificationDraft(
                userID: action.assignedTo!, type: type, title: overdue ? "Task overdue" : "Task due soon",
                body: "\(action.title) was due \(overdue ? "at" : "by") \(clinicTime.format(due)).",
                entityType: "action", entityID: action.id!,
                deliveryKey: Self.key(type, action.id!, due, action.assignedTo!))
        }
    }

    /// Marks and delivers each candidate in one transaction per batch; counts what was newly stored.
    private func deliver<Item: Sendable>(
        _ items: [Item], _ draft: @escaping @Sendable (Item, any Database) async throws -> NotificationDraft?
    ) async throws -> Int {
        guard !items.isEmpty else { return 0 }
        let clock = self.clock
        return try await db.transaction { db in
            var delivered = 0
            for item in items {
                guard let notification = try await draft(item, db) else { continue }
                if try await NotificationService(db: db, clock: clock).deliver(notification) { delivered += 1 }
            }
            return delivered
        }
    }

    /// `type:entity:occurrence-ms:user` — unique per user and occurrence.
    static func key(_ type: NotificationType, _ entity: UUID, _ occurrence: Date, _ user: UUID) -> String {
        "\(type.rawValue):\(entity.uuidString):\(Timestamp.milliseconds(occurrence)):\(user.uuidString)"
    }
}

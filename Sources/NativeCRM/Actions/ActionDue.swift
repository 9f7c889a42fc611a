import Foundation
import SQLKit

/// When a pending action is overdue or due soon — the one definition that the API's `isOverdue`,
/// analytics' `overdue` count and the scheduler's task notifications share, in Swift and in SQL.
/// An action due exactly now is due soon, not yet overdue; a millisecond later it is overdue.
enum ActionDue {
    /// "Due soon" is due within this long from now (SPEC: within 60 min), now included.
    static let dueSoonWindow: TimeInterval = 60 * 60

    static func isOverdue(status: ActionStatus, due: Date?, now: Date) -> Bool {
        guard status == .pending, let due else { return false }
        return due < now
    }

    static func isDueSoon(status: ActionStatus, due: Date?, now: Date) -> Bool {
        guard status == .pending, let due else { return false }
        return due >= now && due <= now.addingTimeInterval(dueSoonWindow)
    }

    /// `status = 'pending' AND <due> < now`. `due` is `due_date`, or `sort_due_at` (the same instant
    /// when there is a due date, far in the future when there is none) where an index orders by it.
    static func overdueSQL(due column: String = "due_date", now: Date) -> SQLQueryString {
        "\(pendingSQL) AND \(ident: column) < \(bind: now)"
    }

    /// `status = 'pending' AND now <= <due> <= now + window`.
    static func dueSoonSQL(due column: String = "due_date", now: Date) -> SQLQueryString {
        "\(pendingSQL) AND \(ident: column) >= \(bind: now) AND \(ident: column) <= \(bind: now.addingTimeInterval(dueSoonWindow))"
    }

    private static var pendingSQL: SQLQueryString { "status = \(literal: ActionStatus.pending.rawValue)" }
}

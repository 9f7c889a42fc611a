import Foundation

/// Times as the clinic's people read them, in the clinic's time zone (`CRM_TIME_ZONE`): notification
/// texts, and the days `YYYY-MM-DD` filters name. The API's timestamps stay UTC.
struct ClinicTime: Sendable {
    let zone: TimeZone

    static let utc = ClinicTime(zone: TimeZone(identifier: "UTC")!)

    /// `2024-01-15 11:00 (Europe/Zurich)`.
    func format(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        var text = ""
        Timestamp.appendPadded(parts.year!, width: 4, to: &text)
        text.append("-")
        Timestamp.appendPadded(parts.month!, width: 2, to: &text)
        text.append("-")
        Timestamp.appendPadded(parts.day!, width: 2, to: &text)
        text.append(" ")
        Timestamp.appendPadded(parts.hour!, width: 2, to: &text)
        text.append(":")
        Timestamp.appendPadded(parts.minute!, width: 2, to: &text)
        return text + " (\(name))"
    }

    /// The zone's IANA name (`UTC` rather than Foundation's `GMT`).
    var name: String { zone.identifier == "GMT" ? "UTC" : zone.identifier }

    /// The clinic's date that contains `date`.
    func day(containing date: Date) -> CalendarDate {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return CalendarDate(year: parts.year!, month: parts.month!, day: parts.day!) ?? CalendarDate(containing: date)
    }

    /// Midnight at the start of `day` in the clinic's zone.
    func startOfDay(_ day: CalendarDate) -> Date {
        let midnight = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))
        return midnight ?? day.startOfDay
    }

    /// Midnight at the end of `day` (the exclusive end of an inclusive date), in the clinic's zone.
    func startOfNextDay(_ day: CalendarDate) -> Date {
        startOfDay(day.adding(days: 1))
    }

    /// Calendar days from the clinic's date of `date` to the clinic's date of `now` (yesterday 23:00 is
    /// one day ago at 08:00 today).
    func daysBetween(_ date: Date, and now: Date) -> Int {
        day(containing: now).daysSinceEpoch - day(containing: date).daysSinceEpoch
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}

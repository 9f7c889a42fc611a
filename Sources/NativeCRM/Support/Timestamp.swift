import Foundation

/// RFC 3339 timestamps: parsed with or without fractional seconds and with any offset,
/// written in UTC always with three fractional digits (`2024-01-15T10:00:00.000Z`), so every timestamp the
/// API writes has one form and strict ISO-8601 decoders read them all.
/// Every instant the API handles is kept at whole milliseconds, so a value read back from either
/// database compares equal to the one written (keyset cursors depend on it).
public enum Timestamp {
    /// Rounds to whole milliseconds.
    public static func normalized(_ date: Date) -> Date {
        fromMilliseconds(milliseconds(date))
    }

    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public static func fromMilliseconds(_ ms: Int64) -> Date {
        Date(timeIntervalSince1970: Double(ms) / 1000)
    }

    nonisolated(unsafe) private static let pattern =
        /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/

    /// The years the API accepts in timestamps: wide enough for any clinic's history and plans, narrow
    /// enough that derived times (a due date two days later) stay writable on both databases.
    public static let acceptedYears = 1900...8999

    /// Parses RFC 3339 (`2024-01-15T10:00:00Z`, `2024-01-15T10:00:00.5+02:00`); nil when malformed or
    /// outside `acceptedYears`.
    public static func parse(_ text: String) -> Date? {
        guard let match = text.wholeMatch(of: pattern) else { return nil }
        guard let year = Int(match.1), acceptedYears.contains(year), let month = Int(match.2), let day = Int(match.3),
              let hour = Int(match.4), let minute = Int(match.5), let second = Int(match.6),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var offsetSeconds = 0
        let zone = String(match.8)
        if zone != "Z" && zone != "z" {
            let sign = zone.hasPrefix("-") ? -1 : 1
            let parts = zone.dropFirst().split(separator: ":")
            guard let h = Int(parts[0]), let m = Int(parts[1]), h < 24, m < 60 else { return nil }
            offsetSeconds = sign * (h * 3600 + m * 60)
        }
        guard let dayNumber = CalendarDate(year: year, month: month, day: day)?.daysSinceEpoch else { return nil }
        var seconds = Double(dayNumber * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds)
        if let fraction = match.7, let value = Double("0" + fraction) {
            seconds += value
        }
        return normalized(Date(timeIntervalSince1970: seconds))
    }

    /// Formats in UTC with a `Z`. Written digit by digit: every timestamp of every response passes here.
    public static func format(_ date: Date) -> String {
        let ms = milliseconds(date)
        let secondsTotal = Int64((Double(ms) / 1000).rounded(.down))
        let millis = Int(ms - secondsTotal * 1000)
        let days = Int((Double(secondsTotal) / 86_400).rounded(.down))
        let secondOfDay = Int(secondsTotal - Int64(days) * 86_400)
        var text = CalendarDate(daysSinceEpoch: days).description
        text.reserveCapacity(24)
        text.append("T")
        appendPadded(secondOfDay / 3600, width: 2, to: &text)
        text.append(":")
        appendPadded((secondOfDay % 3600) / 60, width: 2, to: &text)
        text.append(":")
        appendPadded(secondOfDay % 60, width: 2, to: &text)
        text.append(".")
        appendPadded(millis, width: 3, to: &text)
        text.append("Z")
        return text
    }

    /// Appends a non-negative number left-padded with zeros to `width` digits.
    static func appendPadded(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text.append(String(repeating: "0", count: width - digits.count)) }
        text.append(digits)
    }
}

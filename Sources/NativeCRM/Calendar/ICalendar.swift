import Foundation

/// Writes RFC 5545 text: CRLF line ends, lines folded at 75 octets, TEXT values escaped, times in UTC.
struct ICalendarWriter {
    private(set) var text = ""

    mutating func line(_ name: String, _ value: String) {
        var line = name + ":" + value
        // Fold: at most 75 octets per line, continuation lines start with a space (never split a character).
        var folded = ""
        var octets = 0
        for character in line {
            let size = String(character).utf8.count
            if octets + size > 75 {
                folded += "\r\n "
                octets = 1
            }
            folded.append(character)
            octets += size
        }
        line = folded
        text += line + "\r\n"
    }

    mutating func text(_ name: String, _ value: String) { line(name, Self.escape(value)) }

    mutating func time(_ name: String, _ date: Date) { line(name, Self.utc(date)) }

    /// TEXT escaping: backslash, semicolon, comma and line breaks.
    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r\n", "\r": out += "\\n"
            default:
                if character.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) { out.append(character) }
            }
        }
        return out
    }

    /// `20250602T090000Z`.
    static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}

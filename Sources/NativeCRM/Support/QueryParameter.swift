import Vapor

/// Typed reads of path and query parameters; a bad value is a 400 naming the parameter.
enum QueryParameter {
    /// A filter's period must not end before it starts; the 400 names the end's parameter.
    static func checkPeriod(from start: Date?, to end: Date?, endField: String, _ message: String) throws {
        if let start, let end, start >= end { throw APIError.invalid(endField, message) }
    }

    /// `search` on a list: at most `TextLimits.search` characters (a longer one is no person's name,
    /// and would only make the database scan harder).
    static func search(_ req: Request) throws -> String? {
        guard let raw = req.query[String.self, at: "search"] else { return nil }
        guard raw.count <= TextLimits.search else {
            throw APIError.invalid("search", "must be at most \(TextLimits.search) characters")
        }
        return raw
    }

    static func bool(_ req: Request, _ name: String) throws -> Bool? {
        guard let raw = req.query[String.self, at: name] else { return nil }
        switch raw.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.invalid(name, "must be true or false")
        }
    }

    static func uuid(_ req: Request, _ name: String) throws -> UUID? {
        guard let raw = req.query[String.self, at: name] else { return nil }
        guard let id = UUID(uuidString: raw) else { throw APIError.invalid(name, "must be a UUID") }
        return id
    }

    static func int(_ req: Request, _ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let raw = req.query[String.self, at: name] else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw APIError.invalid(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    static func date(_ req: Request, _ name: String) throws -> CalendarDate? {
        guard let raw = req.query[String.self, at: name] else { return nil }
        guard let date = CalendarDate(raw), Timestamp.acceptedYears.contains(date.year) else {
            throw APIError.invalid(name, "must be a date YYYY-MM-DD (years 1900 to 8999)")
        }
        return date
    }

    static func timestamp(_ req: Request, _ name: String) throws -> Date? {
        guard let raw = req.query[String.self, at: name] else { return nil }
        guard let date = Timestamp.parse(raw) else {
            throw APIError.invalid(name, "must be an RFC 3339 timestamp such as 2024-01-15T10:00:00Z (years 1900 to 8999)")
        }
        return date
    }
}

extension Parameters {
    /// A path parameter that must be a UUID; anything else is a 400 naming it.
    func uuid(_ name: String) throws -> UUID {
        guard let raw = get(name), let id = UUID(uuidString: raw) else {
            throw APIError.invalid(name, "must be a UUID")
        }
        return id
    }
}

extension QueryParameter {
    /// A range bound given as an RFC 3339 timestamp or a `YYYY-MM-DD` date, returned as an instant for
    /// `>= from` / `< to` comparisons. An end is inclusive: a date stands for the start of the next day,
    /// a timestamp for the next millisecond.
    static func instant(_ req: Request, _ name: String, endOfDay: Bool) throws -> Date? {
        guard let raw = req.query[String.self, at: name] else { return nil }
        if let date = CalendarDate(raw), Timestamp.acceptedYears.contains(date.year) {
            // A day is the clinic's day (CRM_TIME_ZONE): from its midnight to the next.
            let clinic = req.application.clinicTime
            return endOfDay ? clinic.startOfNextDay(date) : clinic.startOfDay(date)
        }
        if let instant = Timestamp.parse(raw) { return endOfDay ? instant.addingTimeInterval(0.001) : instant }
        throw APIError.invalid(name, "must be a date YYYY-MM-DD or an RFC 3339 timestamp")
    }
}

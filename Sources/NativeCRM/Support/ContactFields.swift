import Foundation

/// Email and phone checks shared by users, customers and leads.
enum ContactFields {
    /// Trimmed and lower-cased.
    static func normalizeEmail(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// A plausible address: one `@`, a non-empty local part, a dotted domain (or `localhost`), no spaces.
    static func isPlausibleEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, email.count <= 254,
              !email.contains(where: { $0.isWhitespace }) else { return false }
        let domain = parts[1]
        if domain == "localhost" { return true }
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".") && !domain.contains("..")
    }

    /// Normalises a phone number: separators (spaces, dots, dashes, parentheses) removed, a leading `00`
    /// read as `+`. With a `+` the result is E.164 (`+` and 8–15 digits); without one it stays a local
    /// number of 5–15 digits (no country can be assumed). Nil when it cannot be a phone number.
    /// What people type between a phone number's digits.
    static let phoneSeparators = " .-()/\u{00A0}"

    /// The lower-cased text `search` matches for a person (customer or lead).
    static func searchText(_ parts: String?...) -> String {
        parts.map { $0 ?? "" }.joined(separator: " ").lowercased()
    }

    static func normalizePhone(_ raw: String) -> String? {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        text.removeAll { phoneSeparators.contains($0) }
        if text.hasPrefix("00") { text = "+" + text.dropFirst(2) }
        let international = text.hasPrefix("+")
        let digits = international ? String(text.dropFirst()) : text
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        if international {
            guard (8...15).contains(digits.count), !digits.hasPrefix("0") else { return nil }
            return "+" + digits
        }
        guard (5...15).contains(digits.count) else { return nil }
        return digits
    }

    /// Trims; empty becomes nil.
    static func trimmed(_ raw: String?) -> String? {
        guard let value = raw?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// A given email, normalised; nil when absent. Empty or implausible ones are reported on `email`.
    static func checkEmail(_ raw: String?, into errors: inout FieldErrors) -> String? {
        guard let raw else { return nil }
        guard raw.count <= TextLimits.email else {
            errors.add("email", "must be at most \(TextLimits.email) characters")
            return nil
        }
        guard let trimmed = trimmed(raw) else {
            errors.add("email", "must be a valid email address (send null to clear it)")
            return nil
        }
        let email = normalizeEmail(trimmed)
        errors.check(isPlausibleEmail(email), "email", "must be a valid email address")
        return email
    }

    /// A given phone number, normalised; nil when absent. Empty or unreadable ones are reported on `phone`.
    static func checkPhone(_ raw: String?, into errors: inout FieldErrors) -> String? {
        guard let raw else { return nil }
        guard raw.count <= TextLimits.phone else {
            errors.add("phone", "must be at most \(TextLimits.phone) characters")
            return nil
        }
        guard let trimmed = trimmed(raw) else {
            errors.add("phone", "must be a phone number (send null to clear it)")
            return nil
        }
        guard let phone = normalizePhone(trimmed) else {
            errors.add("phone", "must be a phone number, e.g. +41791234567")
            return nil
        }
        return phone
    }
}

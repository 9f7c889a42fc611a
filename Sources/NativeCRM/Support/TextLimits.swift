/// The length caps of free text, in characters — one definition, used by every validator and
/// documented as `maxLength` in openapi.yaml. A longer value is a 400 naming the field.
enum TextLimits {
    /// People's, users', clinics', services' and tags' names.
    static let name = 100
    /// Action titles and communication subjects.
    static let title = 200
    /// Notes and descriptions.
    static let notes = 5_000
    static let address = 500
    static let lostReason = 500
    /// A phone number as typed, separators included (it is normalised afterwards).
    static let phone = 50
    static let email = 254
    /// `search` on lists.
    static let search = 200
}

extension FieldErrors {
    /// An optional text field: when given, at most `max` characters.
    public mutating func maxLength(_ value: String?, _ field: String, _ max: Int) {
        if let value { check(value.count <= max, field, "must be at most \(max) characters") }
    }
}

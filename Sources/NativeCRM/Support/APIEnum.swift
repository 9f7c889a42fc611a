import Vapor

/// A string enum of the API. Decoding an unknown value fails with a message listing the allowed ones.
public protocol APIEnum: RawRepresentable, CaseIterable, Codable, Sendable, Equatable
where RawValue == String {}

extension APIEnum {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let raw = try? container.decode(String.self), let value = Self(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: Self.allowedMessage)
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static var allowedMessage: String {
        "must be one of: " + allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// Parses a query-string value, reporting the parameter by name.
    public static func parse(_ raw: String?, field: String) throws -> Self? {
        guard let raw else { return nil }
        guard let value = Self(rawValue: raw) else { throw APIError.invalid(field, allowedMessage) }
        return value
    }
}

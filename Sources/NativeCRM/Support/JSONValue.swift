import Foundation

/// Any JSON value, for the free-form objects of the seed (`metadata`, `preferences`, `treatmentDetails`).
/// Stored as JSON text so both databases keep it the same way. Numbers stay exact: an integer is kept
/// as a 64-bit integer (ad platforms' ids pass 2^53), anything else as a decimal with its digits
/// (`0.1` stays `0.1`), never through `Double`.
public enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Decimal)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Decimal.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .integer(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }
}

/// A JSON object (`{}`), as the seed's free-form fields are. Decoding anything but an object fails.
public struct JSONObject: Codable, Equatable, Sendable {
    public var fields: [String: JSONValue]

    public init(_ fields: [String: JSONValue] = [:]) {
        self.fields = fields
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let fields = try? container.decode([String: JSONValue].self) else {
            throw DecodingError.typeMismatch([String: Any].self, .init(
                codingPath: decoder.codingPath, debugDescription: "must be an object"))
        }
        self.fields = fields
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(fields)
    }

    /// Shallow merge: keys in `patch` replace ours; a key set to null is removed.
    public func merged(with patch: JSONObject) -> JSONObject {
        var result = fields
        for (key, value) in patch.fields {
            if value == .null { result.removeValue(forKey: key) } else { result[key] = value }
        }
        return JSONObject(result)
    }

    /// The stored form: compact JSON text with sorted keys.
    public var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(fields)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Reads the stored form; text that is unreadable, or too deep to be served (`JSONLimits.servable`;
    /// only rows from before the input limits can be), reads as an empty object, so a stored value can
    /// never turn a read into an error.
    public init(text: String?) {
        guard let text, text.utf8.count <= 128 || JSONLimits.isServable(text),
              let fields = try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8)) else {
            self.init()
            return
        }
        self.init(fields)
    }
}

/// A model whose free-form `metadata` object is stored as JSON text in a `metadata` column.
protocol StoresMetadata: AnyObject {
    var metadataText: String { get set }
}

extension StoresMetadata {
    var metadata: JSONObject {
        get { JSONObject(text: metadataText) }
        set { metadataText = newValue.text }
    }
}

import OpenAPIKit

/// A JSON value written as a Swift literal for the document's examples; objects keep the order
/// they are written in, so the document is the same on every run.
indirect enum Example: Sendable, Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral {
    case string(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case null
    case array([Example])
    case object([(String, Example)])

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .integer(value) }
    init(floatLiteral value: Double) { self = .number(value) }
    init(booleanLiteral value: Bool) { self = .boolean(value) }
    init(nilLiteral: ()) { self = .null }
    init(arrayLiteral elements: Example...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, Example)...) { self = .object(elements) }

    /// This object with `other`'s keys added after its own (a key of both keeps its place, `other`'s value).
    func merging(_ other: Example) -> Example {
        guard case .object(var mine) = self, case .object(let theirs) = other else { return other }
        for (key, value) in theirs {
            if let index = mine.firstIndex(where: { $0.0 == key }) { mine[index].1 = value } else { mine.append((key, value)) }
        }
        return .object(mine)
    }

    private struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .string(let value): var c = encoder.singleValueContainer(); try c.encode(value)
        case .integer(let value): var c = encoder.singleValueContainer(); try c.encode(value)
        case .number(let value): var c = encoder.singleValueContainer(); try c.encode(value)
        case .boolean(let value): var c = encoder.singleValueContainer(); try c.encode(value)
        case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
        case .array(let values):
            var c = encoder.unkeyedContainer()
            for value in values { try c.encode(value) }
        case .object(let pairs):
            var c = encoder.container(keyedBy: Name.self)
            for (key, value) in pairs { try c.encode(value, forKey: Name(stringValue: key)) }
        }
    }

    /// Named examples of a body or response: name → (summary, value).
    static func named(_ examples: KeyValuePairs<String, (String, Example)>) -> OpenAPI.Example.Map {
        var map = OpenAPI.Example.Map()
        for (name, (summary, value)) in examples {
            map[name] = .b(OpenAPI.Example(summary: summary, value: .b(AnyCodable(value))))
        }
        return map
    }
}

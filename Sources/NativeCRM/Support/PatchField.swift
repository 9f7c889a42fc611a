/// A field of a partial update: absent (leave it), `null` (clear it) or a new value.
public enum PatchField<Value: Decodable & Sendable>: Decodable, Sendable {
    case absent
    case null
    case value(Value)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .null : .value(try container.decode(Value.self))
    }

    /// Applies the patch to an optional stored value.
    public func applied(to current: Value?) -> Value? {
        switch self {
        case .absent: return current
        case .null: return nil
        case let .value(value): return value
        }
    }

    public var isPresent: Bool {
        if case .absent = self { return false }
        return true
    }

    /// The new value when one is given (not for absent or null).
    public var newValue: Value? {
        if case let .value(value) = self { return value }
        return nil
    }
}

extension KeyedDecodingContainer {
    /// Lets a missing key decode as `.absent` (synthesized `Decodable` picks this overload).
    public func decode<T>(_ type: PatchField<T>.Type, forKey key: Key) throws -> PatchField<T> {
        guard contains(key) else { return .absent }
        if try decodeNil(forKey: key) { return .null }
        return .value(try decode(T.self, forKey: key))
    }
}

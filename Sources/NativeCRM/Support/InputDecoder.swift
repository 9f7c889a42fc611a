import Foundation
import Vapor

/// A decoded request body together with everything that was wrong with it. Decoding does not stop at
/// the first bad field: a missing, mistyped or unknown field is recorded in `problems` and replaced by
/// a placeholder, so the service adds its own checks (lengths, ranges, formats) to the same list and
/// answers one 400 naming every bad field. A service must `throwIfAny()` before it reads the database
/// or writes anything — a placeholder is never acted on.
@dynamicMemberLookup
struct Input<Value: Sendable>: Sendable {
    var value: Value
    var problems: FieldErrors

    init(_ value: Value, problems: FieldErrors = FieldErrors()) {
        self.value = value
        self.problems = problems
    }

    subscript<T>(dynamicMember keyPath: KeyPath<Value, T>) -> T {
        value[keyPath: keyPath]
    }
}

/// A body whose keys a client reads but never writes; naming one gets its own message instead of
/// "is not a field of this request".
protocol ReadOnlyKeys {
    static var readOnlyKeys: [String] { get }
    static var readOnlyMessage: String { get }
}

extension Request {
    /// Decodes the JSON body as `T` leniently (see `Input`). The body itself must be a JSON object;
    /// every key `T` does not take is reported by name.
    func decodeInput<T: Decodable & Sendable>(_ type: T.Type) throws -> Input<T> {
        guard let buffer = body.data, buffer.readableBytes > 0 else {
            throw APIError.invalid("body", "is missing or is not a JSON object")
        }
        if let contentType = headers.contentType, contentType != .json,
           !(contentType.type == "application" && contentType.subType.hasSuffix("+json")) {
            throw Abort(.unsupportedMediaType)
        }
        return try InputDecoder.decode(type, from: Data(buffer: buffer))
    }
}

/// The body of an endpoint that takes no fields (`POST /auth/logout`, `…/read`).
private struct NoFields: Decodable, Sendable {}

extension Request {
    /// Refuses a body with fields on an endpoint that takes none (an empty body or `{}` is fine).
    func refuseBodyFields() throws {
        guard let buffer = body.data, buffer.readableBytes > 0 else { return }
        try decodeInput(NoFields.self).problems.throwIfAny()
    }
}

enum InputDecoder {
    static func decode<T: Decodable & Sendable>(_ type: T.Type, from data: Data) throws -> Input<T> {
        guard let root = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw APIError.invalid("body", "is not valid JSON")
        }
        return try decode(type, fromValue: root)
    }

    /// Decodes an already parsed body (a CSV import's row, built as the JSON a client would send).
    static func decode<T: Decodable & Sendable>(_ type: T.Type, fromValue root: JSONValue) throws -> Input<T> {
        guard case let .object(fields) = root else {
            throw APIError.invalid("body", "must be a JSON object")
        }
        let sink = Sink()
        let value: T
        do {
            value = try T(from: LenientDecoder(value: root, codingPath: [], sink: sink))
        } catch {
            // A field whose type has no placeholder: report what was found (the field at least).
            if sink.errors.all.isEmpty { sink.errors.add("body", describe(error)) }
            throw APIError.validation(sink.errors.all)
        }
        let readOnly = (T.self as? any ReadOnlyKeys.Type)
        var unknown = FieldErrors()
        let accepted = sink.topLevelKeys
        for key in fields.keys.sorted() where !accepted.contains(key) {
            if let readOnly, readOnly.readOnlyKeys.contains(key) {
                unknown.add(key, readOnly.readOnlyMessage)
            } else {
                unknown.add(key, sink.topLevelOrder.isEmpty ? "is not a field of this request (it takes none)"
                    : "is not a field of this request (accepted: \(sink.topLevelOrder.joined(separator: ", ")))")
            }
        }
        // Unknown keys first: a client that misspelled a field learns that before anything else.
        var problems = unknown
        for error in sink.errors.all { problems.add(error.field, error.message) }
        return Input(value, problems: problems)
    }

    /// The message a failed decode of one value gets.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let decoding as DecodingError: return DecodingErrorMapper.map(decoding).errors.first?.message ?? "could not be read"
        case let apiError as APIError: return apiError.errors.first?.message ?? apiError.detail
        default: return "could not be read"
        }
    }

    /// Collects the problems of one decode and the keys the body type asked for.
    final class Sink {
        var errors = FieldErrors()
        var topLevelKeys: Set<String> = []
        var topLevelOrder: [String] = []

        func asked(_ key: any CodingKey, at path: [any CodingKey]) {
            guard path.isEmpty, topLevelKeys.insert(key.stringValue).inserted else { return }
            topLevelOrder.append(key.stringValue)
        }

        func add(_ path: [any CodingKey], _ message: String) {
            errors.add(DecodingErrorMapper.path(path), message)
        }
    }
}

/// A value that stands in for a field that could not be decoded, so decoding goes on to the next
/// field. Never stored: the request is refused before the service acts on it.
protocol InputPlaceholder {
    static var placeholder: Self { get }
}

extension String: InputPlaceholder { static var placeholder: String { "" } }
extension Int: InputPlaceholder { static var placeholder: Int { 0 } }
extension Int64: InputPlaceholder { static var placeholder: Int64 { 0 } }
extension Bool: InputPlaceholder { static var placeholder: Bool { false } }
extension Double: InputPlaceholder { static var placeholder: Double { 0 } }
extension Decimal: InputPlaceholder { static var placeholder: Decimal { 0 } }
extension UUID: InputPlaceholder { static var placeholder: UUID { UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) } }
extension Date: InputPlaceholder { static var placeholder: Date { Date(timeIntervalSince1970: 0) } }
extension Array: InputPlaceholder { static var placeholder: [Element] { [] } }
extension JSONObject: InputPlaceholder { static var placeholder: JSONObject { JSONObject() } }
extension CalendarDate: InputPlaceholder { static var placeholder: CalendarDate { CalendarDate(daysSinceEpoch: 0) } }

/// Thrown when a field failed and its type has no placeholder: decoding cannot go on.
private struct NoPlaceholder: Error {}

/// A `Decoder` over a parsed JSON tree that records problems instead of throwing them.
private struct LenientDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let sink: InputDecoder.Sink
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case let .object(fields) = value else {
            throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath, debugDescription: "must be an object"))
        }
        return KeyedDecodingContainer(LenientKeyed<Key>(fields: fields, codingPath: codingPath, sink: sink))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case let .array(items) = value else {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "must be an array"))
        }
        return LenientUnkeyed(items: items, codingPath: codingPath, sink: sink)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        LenientSingle(value: value, codingPath: codingPath, sink: sink)
    }
}

/// Decodes one JSON value as `T`: nil (and a recorded problem) when it cannot be one.
private func decodeValue<T: Decodable>(_ type: T.Type, _ value: JSONValue, at path: [any CodingKey],
                                       sink: InputDecoder.Sink) -> T? {
    do {
        return try strictValue(type, value, at: path, sink: sink)
    } catch {
        sink.add(path, InputDecoder.describe(error))
        return nil
    }
}

/// Decodes one JSON value as `T` or throws what is wrong with it (problems inside nested values are
/// recorded by their own paths, and the nested value's placeholder is returned).
private func strictValue<T: Decodable>(_ type: T.Type, _ value: JSONValue, at path: [any CodingKey],
                                       sink: InputDecoder.Sink) throws -> T {
    func fail(_ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: path, debugDescription: message))
    }
    if let box = T.self as? any BoxType.Type { return try box.make(value, at: path, sink: sink) as! T }
    switch T.self {
    case is String.Type:
        guard case let .string(text) = value else { throw fail("must be a string") }
        return text as! T
    case is Bool.Type:
        guard case let .bool(flag) = value else { throw fail("must be true or false") }
        return flag as! T
    case let integer as any FixedWidthInteger.Type:
        switch value {
        case let .integer(number):
            guard let fitted = integer.init(exactly: number) else { throw fail("is out of range") }
            return fitted as! T
        case let .number(number) where isWhole(number): throw fail("is out of range")
        default: throw fail("must be a whole number")
        }
    case is Float.Type:
        switch value {
        case let .integer(number): return Float(number) as! T
        case let .number(number): return Float(NSDecimalNumber(decimal: number).doubleValue) as! T
        default: throw fail("must be a number")
        }
    case is Double.Type:
        switch value {
        case let .integer(number): return Double(number) as! T
        case let .number(number): return NSDecimalNumber(decimal: number).doubleValue as! T
        default: throw fail("must be a number")
        }
    case is Decimal.Type:
        switch value {
        case let .integer(number): return Decimal(number) as! T
        case let .number(number): return number as! T
        default: throw fail("must be a number")
        }
    case is UUID.Type:
        guard case let .string(text) = value, let id = UUID(uuidString: text) else { throw fail("must be a UUID") }
        return id as! T
    case is Date.Type:
        guard case let .string(text) = value, let date = Timestamp.parse(text) else {
            throw fail("must be an RFC 3339 timestamp such as 2024-01-15T10:00:00Z (years 1900 to 8999)")
        }
        return date as! T
    case is JSONObject.Type:
        guard case let .object(fields) = value else { throw fail("must be an object") }
        return JSONObject(fields) as! T
    case is JSONValue.Type:
        return value as! T
    default:
        return try T(from: LenientDecoder(value: value, codingPath: path, sink: sink))
    }
}

/// Wraps a primitive so that its decode takes the generic path (which knows placeholders and messages).
private struct Box<Wrapped: Decodable>: Decodable {
    let value: Wrapped
    /// Never used: `strictValue` builds boxes itself. A decoder that is not ours gets an error, not a crash.
    init(from decoder: any Decoder) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "could not be read"))
    }
    init(_ value: Wrapped) { self.value = value }
}

private protocol BoxType { static func make(_ value: JSONValue, at path: [any CodingKey], sink: InputDecoder.Sink) throws -> Any
    static func makePlaceholder() throws -> Any }
extension Box: BoxType {
    static func make(_ value: JSONValue, at path: [any CodingKey], sink: InputDecoder.Sink) throws -> Any {
        Box(try strictValue(Wrapped.self, value, at: path, sink: sink))
    }
    static func makePlaceholder() throws -> Any { Box(try placeholder(Wrapped.self)) }
}

/// An enum's first case (the placeholder of an API enum).
private func firstCase<E: CaseIterable>(_ type: E.Type) -> E? { type.allCases.first }

private func isWhole(_ number: Decimal) -> Bool {
    var input = number
    var rounded = Decimal()
    NSDecimalRound(&rounded, &input, 0, .plain)
    return rounded == number
}

/// The placeholder of `T`, or a stop when it has none.
private func placeholder<T>(_ type: T.Type) throws -> T {
    if let box = T.self as? any BoxType.Type { return try box.makePlaceholder() as! T }
    if let enumeration = T.self as? any CaseIterable.Type, let first = firstCase(enumeration) as? T { return first }
    guard let kind = T.self as? any InputPlaceholder.Type, let value = kind.placeholder as? T else {
        throw NoPlaceholder()
    }
    return value
}

private struct LenientKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let fields: [String: JSONValue]
    let codingPath: [any CodingKey]
    let sink: InputDecoder.Sink

    var allKeys: [Key] { fields.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        sink.asked(key, at: codingPath)
        return fields[key.stringValue] != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        sink.asked(key, at: codingPath)
        guard let value = fields[key.stringValue] else { return true }
        return value == .null
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        sink.asked(key, at: codingPath)
        let path = codingPath + [key]
        guard let value = fields[key.stringValue] else {
            sink.add(path, "is required")
            return try placeholder(T.self)
        }
        guard value != .null else {
            sink.add(path, "must not be null")
            return try placeholder(T.self)
        }
        if let decoded = decodeValue(T.self, value, at: path, sink: sink) { return decoded }
        return try placeholder(T.self)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        sink.asked(key, at: codingPath)
        guard let value = fields[key.stringValue], value != .null else { return nil }
        return decodeValue(T.self, value, at: codingPath + [key], sink: sink)
    }

    // The primitive overloads go through the generic paths above, so every type is read one way.
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(Box<Bool>.self, forKey: key).value }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(Box<String>.self, forKey: key).value }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(Box<Double>.self, forKey: key).value }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(Box<Float>.self, forKey: key).value }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(Box<Int>.self, forKey: key).value }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decode(Box<Int8>.self, forKey: key).value }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decode(Box<Int16>.self, forKey: key).value }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(Box<Int32>.self, forKey: key).value }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(Box<Int64>.self, forKey: key).value }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decode(Box<UInt>.self, forKey: key).value }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decode(Box<UInt8>.self, forKey: key).value }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decode(Box<UInt16>.self, forKey: key).value }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(Box<UInt32>.self, forKey: key).value }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(Box<UInt64>.self, forKey: key).value }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try decodeIfPresent(Box<Bool>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try decodeIfPresent(Box<String>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try decodeIfPresent(Box<Double>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try decodeIfPresent(Box<Float>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decodeIfPresent(Box<Int>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try decodeIfPresent(Box<Int8>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try decodeIfPresent(Box<Int16>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try decodeIfPresent(Box<Int32>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try decodeIfPresent(Box<Int64>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try decodeIfPresent(Box<UInt>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try decodeIfPresent(Box<UInt8>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try decodeIfPresent(Box<UInt16>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try decodeIfPresent(Box<UInt32>.self, forKey: key)?.value }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try decodeIfPresent(Box<UInt64>.self, forKey: key)?.value }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        sink.asked(key, at: codingPath)
        return try LenientDecoder(value: fields[key.stringValue] ?? .object([:]), codingPath: codingPath + [key], sink: sink)
            .container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        sink.asked(key, at: codingPath)
        return try LenientDecoder(value: fields[key.stringValue] ?? .array([]), codingPath: codingPath + [key], sink: sink)
            .unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        LenientDecoder(value: .object(fields), codingPath: codingPath, sink: sink)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        sink.asked(key, at: codingPath)
        return LenientDecoder(value: fields[key.stringValue] ?? .null, codingPath: codingPath + [key], sink: sink)
    }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue!)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct LenientUnkeyed: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    let sink: InputDecoder.Sink
    var currentIndex = 0

    init(items: [JSONValue], codingPath: [any CodingKey], sink: InputDecoder.Sink) {
        self.items = items
        self.codingPath = codingPath
        self.sink = sink
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> (JSONValue, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(JSONValue.self, .init(codingPath: codingPath, debugDescription: "no more items"))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try next()
        guard value != .null else {
            sink.add(path, "must not be null")
            return try placeholder(T.self)
        }
        if let decoded = decodeValue(T.self, value, at: path, sink: sink) { return decoded }
        return try placeholder(T.self)
    }

    // The primitive overloads go through the generic path above.
    mutating func decode(_ type: Bool.Type) throws -> Bool { try decode(Box<Bool>.self).value }
    mutating func decode(_ type: String.Type) throws -> String { try decode(Box<String>.self).value }
    mutating func decode(_ type: Double.Type) throws -> Double { try decode(Box<Double>.self).value }
    mutating func decode(_ type: Float.Type) throws -> Float { try decode(Box<Float>.self).value }
    mutating func decode(_ type: Int.Type) throws -> Int { try decode(Box<Int>.self).value }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try decode(Box<Int8>.self).value }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try decode(Box<Int16>.self).value }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try decode(Box<Int32>.self).value }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try decode(Box<Int64>.self).value }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try decode(Box<UInt>.self).value }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(Box<UInt8>.self).value }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(Box<UInt16>.self).value }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(Box<UInt32>.self).value }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(Box<UInt64>.self).value }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let (value, path) = try next()
        return try LenientDecoder(value: value, codingPath: path, sink: sink).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, path) = try next()
        return try LenientDecoder(value: value, codingPath: path, sink: sink).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, path) = try next()
        return LenientDecoder(value: value, codingPath: path, sink: sink)
    }
}

/// The container custom `init(from:)`s use (enums, calendar dates, money): throws, like any decoder,
/// and the keyed or unkeyed container above records what it threw.
private struct LenientSingle: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let sink: InputDecoder.Sink

    func decodeNil() -> Bool { value == .null }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try strictValue(type, value, at: codingPath, sink: sink)
    }

    // The primitive overloads go through the generic path above.
    func decode(_ type: Bool.Type) throws -> Bool { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: String.Type) throws -> String { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: Double.Type) throws -> Double { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: Float.Type) throws -> Float { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: Int.Type) throws -> Int { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: Int8.Type) throws -> Int8 { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: Int16.Type) throws -> Int16 { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: Int32.Type) throws -> Int32 { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: Int64.Type) throws -> Int64 { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: UInt.Type) throws -> UInt { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try strictValue(type, value, at: codingPath, sink: sink) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try strictValue(type, value, at: codingPath, sink: sink) }
}
extension Money: InputPlaceholder { static var placeholder: Money { .zero } }

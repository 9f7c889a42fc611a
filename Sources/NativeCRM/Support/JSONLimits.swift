import Foundation

/// The limits of free-form JSON (`metadata`, `preferences`, `treatmentDetails`, and any object or array
/// a body carries): a hostile value must cost milliseconds and must never be stored, since a value the
/// encoder cannot write back would break every later read of its record.
public struct JSONLimits: Sendable {
    /// Containers inside one field: `{"a": {"b": 1}}` is 2 deep.
    public var maxDepth: Int
    public var maxKeysPerObject: Int
    /// Values inside one field, containers and scalars alike (the field's own object not counted).
    public var maxValues: Int
    public var maxKeyLength: Int
    /// One field's JSON as sent, without whitespace between tokens (as stored: compact).
    public var maxFieldBytes: Int

    /// What a request may send and what may be stored.
    public static let input = JSONLimits(maxDepth: 16, maxKeysPerObject: 200, maxValues: 1_000, maxKeyLength: 100,
                                         maxFieldBytes: 16 * 1024)
    /// What a read can still serve: stored before the input limits existed, a value may exceed them, but
    /// nothing deeper than this is ever encoded into a response (the repair migration clears it).
    public static let servable = JSONLimits(maxDepth: 64, maxKeysPerObject: .max, maxValues: .max, maxKeyLength: .max,
                                            maxFieldBytes: .max)

    /// Checks a whole request body in one bounded pass, before anything decodes it; returns the fields
    /// at fault (empty when the body is within the limits). Invalid JSON is reported as `body`.
    public static func violations(inBody bytes: UnsafeRawBufferPointer) -> [FieldError] {
        var scanner = JSONBodyScanner(bytes.bindMemory(to: UInt8.self), limits: .input)
        return scanner.scanBody()
    }

    public static func violations(inBody data: some Collection<UInt8>) -> [FieldError] {
        Array(data).withUnsafeBytes { violations(inBody: $0) }
    }

    /// Checks one value against the input limits (after a shallow merge, say, which can add keys no
    /// single request sent).
    static func violations(of object: JSONObject, field: String) -> [FieldError] {
        violations(ofText: object.text, field: field, limits: .input)
    }

    static func violations(ofText text: String, field: String, limits: JSONLimits) -> [FieldError] {
        Array(text.utf8).withUnsafeBytes { bytes in
            var scanner = JSONBodyScanner(bytes.bindMemory(to: UInt8.self), limits: limits)
            return scanner.scanField(named: field)
        }
    }

    /// Whether stored JSON text can be served: valid, and no deeper than `servable` allows.
    static func isServable(_ text: String) -> Bool {
        violations(ofText: text, field: "value", limits: .servable).isEmpty
    }
}

extension JSONObject {
    /// The shallow merge of `patch`, refused (400 naming `field`) when the result exceeds the limits.
    func mergedWithinLimits(_ patch: JSONObject, field: String) throws -> JSONObject {
        let result = merged(with: patch)
        let problems = JSONLimits.violations(of: result, field: field)
        if !problems.isEmpty { throw APIError.validation(problems) }
        return result
    }
}

/// One pass over JSON bytes with a recursion depth bounded by the limits: deeper input is skipped by an
/// iterative bracket count, never descended into. Also reports duplicate keys and NUL characters.
struct JSONBodyScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private let limits: JSONLimits

    /// The field being scanned: its name and counters.
    private var field = ""
    private var values = 0
    private var whitespace = 0
    /// Set while skipping a value already refused: its content is not checked again.
    private var skipping = false

    private enum Stop: Error {
        case invalid
        /// The current field broke a limit; `message` says which, `path` where (for duplicate keys).
        case limit(String, path: String?)
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>, limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// A request body: each member of a top-level object is a field; anything else is the field `body`.
    mutating func scanBody() -> [FieldError] {
        do {
            skipWhitespace()
            guard index < bytes.count else { throw Stop.invalid }
            var problems: [FieldError] = []
            if bytes[index] == UInt8(ascii: "{") {
                index += 1
                var keys = Set<String>()
                skipWhitespace()
                if peek() == UInt8(ascii: "}") {
                    index += 1
                } else {
                    while true {
                        skipWhitespace()
                        let (key, length) = try readString()
                        if length > limits.maxKeyLength {
                            problems.append(FieldError(field: "body", message: "must not have keys longer than \(limits.maxKeyLength) characters"))
                        } else if !keys.insert(key).inserted {
                            problems.append(FieldError(field: key, message: "is given more than once"))
                        } else if keys.count > limits.maxKeysPerObject {
                            return [FieldError(field: "body", message: "must not have more than \(limits.maxKeysPerObject) keys")]
                        }
                        skipWhitespace()
                        try expect(UInt8(ascii: ":"))
                        skipWhitespace()
                        if let problem = try scanMember(named: key) { problems.append(problem) }
                        skipWhitespace()
                        let next = try take()
                        if next == UInt8(ascii: "}") { break }
                        guard next == UInt8(ascii: ",") else { throw Stop.invalid }
                    }
                }
            } else if let problem = try scanMember(named: "body") {
                problems.append(problem)
            }
            skipWhitespace()
            guard index == bytes.count else { throw Stop.invalid }
            return problems
        } catch let Stop.limit(message, _) {
            return [FieldError(field: "body", message: message)]
        } catch {
            return [FieldError(field: "body", message: "is not valid JSON")]
        }
    }

    /// A single value (stored text, or a merged object) checked as the field `name`.
    mutating func scanField(named name: String) -> [FieldError] {
        do {
            skipWhitespace()
            var problems: [FieldError] = []
            if let problem = try scanMember(named: name) { problems.append(problem) }
            skipWhitespace()
            guard index == bytes.count else { throw Stop.invalid }
            return problems
        } catch {
            return [FieldError(field: name, message: "is not valid JSON")]
        }
    }

    /// Scans one field's value; a broken limit is reported and the rest of the value skipped.
    private mutating func scanMember(named name: String) throws -> FieldError? {
        field = name
        values = 0
        whitespace = 0
        let start = index
        do {
            try scanValue(depth: 0, path: name)
            let size = index - start - whitespace
            if size > limits.maxFieldBytes, bytes[start] == UInt8(ascii: "{") || bytes[start] == UInt8(ascii: "[") {
                return FieldError(field: name, message: "must not be larger than \(limits.maxFieldBytes) bytes of JSON")
            }
            return nil
        } catch let Stop.limit(message, path) {
            index = start
            try skipValue()
            return FieldError(field: path ?? name, message: message)
        }
    }

    private mutating func scanValue(depth: Int, path: String) throws {
        guard index < bytes.count else { throw Stop.invalid }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            guard depth < limits.maxDepth else {
                throw Stop.limit("must not be nested more than \(limits.maxDepth) levels deep", path: nil)
            }
            index += 1
            var keys = Set<String>()
            countWhitespace()
            if peek() == UInt8(ascii: "}") { index += 1; return }
            while true {
                countWhitespace()
                let (key, length) = try readString()
                guard length <= limits.maxKeyLength else {
                    throw Stop.limit("must not have keys longer than \(limits.maxKeyLength) characters", path: nil)
                }
                guard keys.insert(key).inserted else { throw Stop.limit("is given more than once", path: path + "." + key) }
                guard keys.count <= limits.maxKeysPerObject else {
                    throw Stop.limit("must not have more than \(limits.maxKeysPerObject) keys in one object", path: nil)
                }
                countWhitespace()
                try expect(UInt8(ascii: ":"))
                countWhitespace()
                try countValue()
                try scanValue(depth: depth + 1, path: path + "." + key)
                countWhitespace()
                let next = try take()
                if next == UInt8(ascii: "}") { return }
                guard next == UInt8(ascii: ",") else { throw Stop.invalid }
            }
        case UInt8(ascii: "["):
            guard depth < limits.maxDepth else {
                throw Stop.limit("must not be nested more than \(limits.maxDepth) levels deep", path: nil)
            }
            index += 1
            countWhitespace()
            if peek() == UInt8(ascii: "]") { index += 1; return }
            var position = 0
            while true {
                countWhitespace()
                try countValue()
                try scanValue(depth: depth + 1, path: "\(path)[\(position)]")
                position += 1
                countWhitespace()
                let next = try take()
                if next == UInt8(ascii: "]") { return }
                guard next == UInt8(ascii: ",") else { throw Stop.invalid }
            }
        case UInt8(ascii: "\""):
            _ = try readString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    private mutating func countValue() throws {
        values += 1
        if values > limits.maxValues {
            throw Stop.limit("must not hold more than \(limits.maxValues) values", path: nil)
        }
    }

    /// Skips one value of any depth with a counter, not recursion (its content is already refused).
    private mutating func skipValue() throws {
        skipping = true
        defer { skipping = false }
        var depth = 0
        repeat {
            skipWhitespace()
            guard index < bytes.count else { throw Stop.invalid }
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1; index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1; index += 1
            case UInt8(ascii: "\""): _ = try readString()
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                guard depth > 0 else { throw Stop.invalid }
                index += 1
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: try number()
            }
        } while depth > 0
    }

    /// Reads a string token; returns its text (decoded only when it has escapes) and length in characters.
    private mutating func readString() throws -> (String, Int) {
        try expect(UInt8(ascii: "\""))
        let start = index
        var characters = 0
        var escaped = false
        while true {
            guard index < bytes.count else { throw Stop.invalid }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw Stop.invalid }  // control characters (NUL included) must be escaped
            if byte == UInt8(ascii: "\\") {
                escaped = true
                guard index + 1 < bytes.count else { throw Stop.invalid }
                let code = bytes[index + 1]
                if code == UInt8(ascii: "u") {
                    guard index + 5 < bytes.count else { throw Stop.invalid }
                    var scalar: UInt32 = 0
                    for offset in 2...5 {
                        guard let digit = Self.hexValue(bytes[index + offset]) else { throw Stop.invalid }
                        scalar = scalar << 4 | digit
                    }
                    if scalar == 0, !skipping { throw Stop.limit("must not contain NUL characters", path: field) }
                    index += 6
                } else {
                    guard Self.simpleEscapes.contains(code) else { throw Stop.invalid }
                    index += 2
                }
                characters += 1
                continue
            }
            if byte & 0xC0 != 0x80 { characters += 1 }
            index += 1
        }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
        index += 1
        if !escaped { return (String(decoding: raw, as: UTF8.self), characters) }
        let quoted = Data([UInt8(ascii: "\"")] + Array(raw) + [UInt8(ascii: "\"")])
        guard let text = try? JSONDecoder().decode(String.self, from: quoted) else { throw Stop.invalid }
        return (text, characters)
    }

    private static let simpleEscapes: Set<UInt8> = Set("\"\\/bfnrt".utf8)

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private mutating func number() throws {
        if peek() == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        // "012" is not JSON: a leading zero stands alone.
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { throw Stop.invalid }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw Stop.invalid }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw Stop.invalid }
        }
    }

    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Stop.invalid }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for offset in 0..<count where bytes[index + offset] != expected[offset] { throw Stop.invalid }
        index += count
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func take() throws -> UInt8 {
        guard index < bytes.count else { throw Stop.invalid }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard try take() == byte else { throw Stop.invalid }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
    }

    /// Skips whitespace inside a field, counting it (the field's size is measured without it).
    private mutating func countWhitespace() {
        let start = index
        skipWhitespace()
        whitespace += index - start
    }
}

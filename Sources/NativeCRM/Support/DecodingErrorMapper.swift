import Vapor

/// Turns a `DecodingError` into a 400 that names the offending field (dotted path, `items[2].name`).
enum DecodingErrorMapper {
    static func map(_ error: DecodingError) -> APIError {
        switch error {
        case let .keyNotFound(key, context):
            return .invalid(path(context.codingPath + [key]), "is required")
        case let .valueNotFound(_, context):
            return .invalid(path(context.codingPath), "must not be null")
        case let .typeMismatch(type, context):
            return .invalid(path(context.codingPath), "must be \(describe(type))")
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty {
                return .invalid("body", "is not valid JSON")
            }
            return .invalid(path(context.codingPath), context.debugDescription)
        @unknown default:
            return .invalid("body", "could not be read")
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue, key.stringValue.hasPrefix("Index") || Int(key.stringValue) == index {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result.isEmpty ? "body" : result
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is Double.Type, is Decimal.Type, is Float.Type: return "a number"
        case is [Any].Type: return "an array"
        case is [String: Any].Type: return "an object"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "of type \(name)"
        }
    }
}

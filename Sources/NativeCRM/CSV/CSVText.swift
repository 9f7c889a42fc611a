import Foundation

/// Writing CSV (RFC 4180): `,` between cells, CRLF after each row, a cell quoted when it holds a
/// delimiter (`,` or `;`), a quote or a line break, quotes doubled inside. Text that a spreadsheet would
/// run as a formula (OWASP's CSV injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return) is prefixed with `'`; numbers and booleans the CRM writes itself are left as they are.
enum CSVText {
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// Text as a spreadsheet must show it, never run it.
    static func neutralized(_ text: String) -> String {
        guard let first = text.first, formulaStarts.contains(first) else { return text }
        return "'" + text
    }

    /// One cell, quoted when needed.
    static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A JSON value as a cell: text neutralised, null empty, numbers and booleans as JSON writes them,
    /// objects and arrays as compact JSON text.
    static func cell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case let .string(text)?: return quoted(neutralized(text))
        case let .bool(flag)?: return flag ? "true" : "false"
        case let .integer(number)?: return String(number)
        case let .number(number)?: return "\(number)"
        case let .object(fields)?: return quoted(neutralized(JSONObject(fields).text))
        case let .array(items)?:
            let data = (try? JSONCoding.encoder.encode(items)) ?? Data("[]".utf8)
            return quoted(neutralized(String(decoding: data, as: UTF8.self)))
        }
    }

    /// One row, CRLF-terminated.
    static func row(_ cells: [String]) -> String {
        cells.joined(separator: ",") + "\r\n"
    }
}

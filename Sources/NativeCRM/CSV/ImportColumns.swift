import Foundation

/// A column a CSV import reads: the field of the JSON create request it fills and the other header
/// names it is known by. Headers are compared ignoring case, spaces, `-`, `_` and `.` (`E-mail`,
/// `e_mail` and `EMAIL` are all `email`).
struct ImportColumn: Sendable {
    let field: String
    let aliases: [String]
    /// The cell is sent as a JSON number when it reads as one (`1500.50`, or `1500,50` as a European
    /// spreadsheet writes it); anything else is sent as text, and the field's rule reports it.
    var number = false
    /// The header must have it (400 naming it otherwise), unless the query supplies it.
    var required = false

    /// The names a header may use: the field itself and its aliases.
    var names: [String] { [field] + aliases }

    static func normalized(_ header: String) -> String {
        String(header.replacingOccurrences(of: "\u{FEFF}", with: "").lowercased()
            .filter { !" -_.\t".contains($0) })
    }
}

/// What a file's header row means: which cell fills which field, and the columns the import ignores.
struct ColumnMap: Sendable {
    struct Mapped: Sendable {
        let index: Int
        let column: ImportColumn
        /// The header as the file writes it (row errors name it).
        let header: String
    }

    let mapped: [Mapped]
    let ignored: [String]
    let width: Int

    /// Maps a header row; 400 when it has too many columns, names one field twice, or lacks a required
    /// column or every one of `oneOf`.
    init(header: [String], columns: [ImportColumn], given: Set<String> = [], oneOf: [String]) throws {
        guard header.count <= CSVLimits.maxColumns else {
            throw APIError.invalid("header", "has \(header.count) columns; a file may have at most \(CSVLimits.maxColumns)")
        }
        var byName: [String: ImportColumn] = [:]
        for column in columns { for name in column.names { byName[ImportColumn.normalized(name)] = column } }
        var mapped: [Mapped] = []
        var ignored: [String] = []
        var errors = FieldErrors()
        for (index, raw) in header.enumerated() {
            let name = raw.replacingOccurrences(of: "\u{FEFF}", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard let column = byName[ImportColumn.normalized(name)] else {
                ignored.append(name.isEmpty ? "column \(index + 1)" : String(name.prefix(100)))
                continue
            }
            if let first = mapped.first(where: { $0.column.field == column.field }) {
                errors.add(column.field, "is named by two columns (\"\(first.header)\" and \"\(name)\"); keep one")
                continue
            }
            mapped.append(Mapped(index: index, column: column, header: name))
        }
        let present = Set(mapped.map(\.column.field)).union(given)
        for column in columns where column.required && !present.contains(column.field) {
            errors.add(column.field, "is a required column (its header may also be: "
                + column.aliases.prefix(4).map { "\"\($0)\"" }.joined(separator: ", ") + ")")
        }
        if !oneOf.isEmpty, present.isDisjoint(with: oneOf) {
            errors.add(oneOf[0], "the file needs a column " + oneOf.joined(separator: " or ")
                + ", so that each row can be matched against existing records")
        }
        try errors.throwIfAny()
        self.mapped = mapped
        self.ignored = ignored
        self.width = header.count
    }

    /// The header a field's column has in this file (the field's own name when it has none).
    func header(of field: String) -> String {
        mapped.first { $0.column.field == field }?.header ?? field
    }

    /// A data row as the JSON body a client would send: empty cells are absent, a cell a formula guard
    /// prefixed with `'` (as exports do) loses that prefix. Cells the import cannot take (too long, or
    /// past the header's width) are errors naming their column.
    func body(of cells: [String]) -> (body: JSONValue, errors: [ImportRowError]) {
        var fields: [String: JSONValue] = [:]
        var errors: [ImportRowError] = []
        for item in mapped where item.index < cells.count {
            var text = cells[item.index].trimmingCharacters(in: .whitespacesAndNewlines)
            if text.count > 1, text.first == "'", let second = text.dropFirst().first, CSVText.formulaStarts.contains(second) {
                text.removeFirst()
            }
            guard !text.isEmpty else { continue }
            guard text.count <= CSVLimits.maxCell else {
                errors.append(ImportRowError(column: item.header, message: "is longer than \(CSVLimits.maxCell) characters"))
                continue
            }
            fields[item.column.field] = item.column.number ? Self.number(text) : .string(text)
        }
        if cells.count > width, cells[width...].contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            errors.append(ImportRowError(column: "column \(width + 1)",
                                         message: "the row has \(cells.count) cells but the header names \(width) columns "
                                            + "(a delimiter inside an unquoted cell?)"))
        }
        return (.object(fields), errors)
    }

    /// `1500`, `1500.5`, `1500,50`: a JSON number; anything else stays text.
    static func number(_ text: String) -> JSONValue {
        var candidate = text
        if !candidate.contains("."), candidate.filter({ $0 == "," }).count == 1 {
            candidate = candidate.replacingOccurrences(of: ",", with: ".")
        }
        let unsigned = candidate.hasPrefix("-") ? String(candidate.dropFirst()) : candidate
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        let digits = { (part: Substring) in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } }
        guard parts.count <= 2, parts.allSatisfy(digits), candidate.count <= 30,
              let value = Decimal(string: candidate, locale: Locale(identifier: "en_US_POSIX")) else { return .string(text) }
        return parts.count == 1 ? (Int64(candidate).map { JSONValue.integer($0) } ?? .number(value)) : .number(value)
    }
}

/// A problem with one row: the column as the file names it, and what is wrong.
struct ImportRowError: Sendable, Equatable {
    var column: String
    var message: String
}

import OpenAPIKit
import Vapor

/// What became of one row of a CSV import.
public enum ImportOutcome: String, APIEnum {
    case created, updated, duplicate, error
}

/// The answer to `POST /crm/imports/customers` and `/crm/imports/leads`: how the header was read, the
/// counts of every row's outcome, and the rows that were not simply created (at most
/// `CSVLimits.maxListedRows`; `rowsOmitted` counts the others).
struct ImportReport: Content {
    struct ColumnUse: Content {
        var header: String
        var field: String
    }

    struct Counts: Content {
        var rows = 0
        var created = 0
        var updated = 0
        var duplicate = 0
        var error = 0
    }

    struct CellError: Content {
        var column: String
        var message: String
    }

    struct RowResult: Content {
        var row: Int
        var result: ImportOutcome
        @NullEncodable var id: UUID?
        @NullEncodable var duplicateOf: UUID?
        @NullEncodable var duplicateOfRow: Int?
        var fields: [String]
        var errors: [CellError]

        init(row: Int, result: ImportOutcome, id: UUID? = nil, duplicateOf: UUID? = nil, duplicateOfRow: Int? = nil,
             fields: [String] = [], errors: [ImportRowError] = []) {
            self.row = row
            self.result = result
            self.id = id
            self.duplicateOf = duplicateOf
            self.duplicateOfRow = duplicateOfRow
            self.fields = fields
            self.errors = errors.map { CellError(column: $0.column, message: $0.message) }
        }
    }

    @NullEncodable var importId: UUID?
    var kind: String
    var dryRun: Bool
    var delimiter: String
    var columns: [ColumnUse]
    var ignoredColumns: [String]
    var counts: Counts
    var rows: [RowResult]
    var rowsOmitted: Int
}

// MARK: - The API document's schemas

extension ImportOutcome: Documented {}

extension ImportReport: Documented {
    static let schemaName = "ImportReport"
    static var schema: JSONSchema {
        Schema.response([
            "importId": Schema.uuid.described(
                "The import's audit entry (`entityType` `import`, `GET /crm/audit?entityType=import`); null on a dry run.").orNull,
            "kind": Schema.oneOf(["customers", "leads"]),
            "dryRun": Schema.boolean.described("True: every row was checked and matched, nothing was written."),
            "delimiter": Schema.oneOf([",", ";"]).described("The delimiter read from the header row."),
            "columns": Schema.array(Schema.response(["header": Schema.string, "field": Schema.string]),
                                    "The file's columns the import read, with the field each fills."),
            "ignoredColumns": Schema.array(Schema.string, "The file's other columns (not read)."),
            "counts": Schema.response([
                "rows": Schema.count.described("Rows after the header, blank ones not counted."),
                "created": Schema.count, "updated": Schema.count, "duplicate": Schema.count, "error": Schema.count,
            ]),
            "rows": Schema.array(Schema.response([
                "row": Schema.count.described("The row's number in the file, the header being row 1 (as a spreadsheet numbers them)."),
                "result": ImportOutcome.ref,
                "id": Schema.uuid.described("`updated`: the record filled in (`created` rows are not listed).").orNull,
                "duplicateOf": Schema.uuid.described(
                    "`duplicate`: the record the row is (null on a dry run when that record would be created by an earlier row).")
                    .orNull,
                "duplicateOfRow": Schema.count.described("`duplicate`: the earlier row of the file it repeats, if any.").orNull,
                "fields": Schema.array(Schema.string, "`updated`: the fields filled in."),
                "errors": Schema.array(Schema.response(["column": Schema.string, "message": Schema.string]),
                                       "`error`: each problem, named by the file's column header."),
            ]), "Every row that was not simply created, in file order: at most \(CSVLimits.maxListedRows)."),
            "rowsOmitted": Schema.count.described("Rows past that cap (their outcomes are in `counts`)."),
        ], description: "What the import did, or would do (`dryRun`).")
    }
}

/// The body of `POST /crm/imports/customers`.
enum CustomerImportFile: Documented {
    static let schemaName = "CustomerImportFile"
    static var schema: JSONSchema { ImportFile.schema(CustomerImport.columns) }
}

/// The body of `POST /crm/imports/leads`.
enum LeadImportFile: Documented {
    static let schemaName = "LeadImportFile"
    static var schema: JSONSchema { ImportFile.schema(LeadImport.columns) }
}

enum ImportFile {
    static func schema(_ columns: [ImportColumn]) -> JSONSchema {
        let list = columns.map { column in
            "`\(column.field)`" + (column.required ? " (required)" : "") + " — also "
                + column.aliases.map { "`\($0)`" }.joined(separator: ", ")
        }.joined(separator: "; ")
        return JSONSchema.string(
            description: "A CSV file, UTF-8 with or without a BOM, `,` or `;` between cells (the more frequent one in the "
                + "header row), fields quoted as RFC 4180 writes them (a quoted field may hold delimiters, line breaks and "
                + "doubled quotes). The first row names the columns, compared ignoring case, spaces, `-`, `_` and `.`: "
                + list + ". Other columns are ignored (listed in `ignoredColumns`). Empty cells are absent fields; a "
                + "leading `'` before `= + - @` (as exports write it) is dropped. At most \(CSVLimits.maxBytes / 1024 / 1024) "
                + "MB, \(CSVLimits.maxRows) rows, \(CSVLimits.maxColumns) columns and \(CSVLimits.maxCell) characters a cell.",
            maxLength: CSVLimits.maxBytes)
    }
}

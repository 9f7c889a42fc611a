import Foundation
import Vapor

/// The caps on a CSV import: a hostile file is refused (or its row is) at a bounded cost, never a 500.
enum CSVLimits {
    /// The largest file (413 beyond): about 500,000 rows of customers.
    static let maxBytes = 50 * 1024 * 1024
    /// Rows after the header (400 beyond, before anything is written).
    static let maxRows = 200_000
    /// Columns of the header (400 beyond).
    static let maxColumns = 100
    /// Characters of one cell the import reads (that row is an error beyond); a field's own limit is
    /// usually lower and checked by its rule.
    static let maxCell = JSONLimits.input.maxFieldBytes
    /// Rows per transaction.
    static let batchSize = 500
    /// Row results listed in the answer (the counts cover every row).
    static let maxListedRows = 1_000
}

/// An uploaded CSV file, spooled to a private temporary file as it arrives: at most `CSVLimits.maxBytes`,
/// valid UTF-8 without NUL characters, its rows counted (quote-aware) and its delimiter (`,` or `;`, the
/// more frequent in the header line) read on the way, so the import starts only on a file it can finish.
struct CSVUpload: Sendable {
    let path: String
    let delimiter: UnicodeScalar
    /// Records after the header, blank lines included.
    let rows: Int

    /// The media types a CSV file is sent as (browsers on Windows send Excel's).
    static let mediaTypes: Set<String> = ["text/csv", "application/csv", "application/vnd.ms-excel", "text/plain"]

    /// Reads the request's body into a temporary file; 415 for another media type or charset, 413 past the
    /// size cap, 400 for an empty file, bytes that are not UTF-8, a NUL character, or too many rows.
    static func receive(_ req: Request) async throws -> CSVUpload {
        guard let type = req.headers.contentType,
              mediaTypes.contains("\(type.type)/\(type.subType)".lowercased()) else {
            throw APIError(.unsupportedMediaType, code: "unsupported-media-type",
                           detail: "Send the file as text/csv (UTF-8, with a header row).")
        }
        if let charset = type.parameters["charset"]?.lowercased(), charset != "utf-8", charset != "utf8" {
            throw APIError(.unsupportedMediaType, code: "unsupported-media-type",
                           detail: "Send the file in UTF-8 (charset=utf-8); save it from the spreadsheet as \"CSV UTF-8\".")
        }
        if let length = req.headers.first(name: .contentLength).flatMap(Int.init), length > CSVLimits.maxBytes {
            throw tooLarge
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("crm-import-\(UUID().uuidString).csv").path
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw APIError(.internalServerError, code: "import-spool", detail: "The file could not be received.")
        }
        var scanner = CSVScanner()
        do {
            defer { try? handle.close() }
            var total = 0
            for try await chunk in req.body {
                total += chunk.readableBytes
                guard total <= CSVLimits.maxBytes else { throw tooLarge }
                chunk.withUnsafeReadableBytes { scanner.scan($0) }
                if let problem = scanner.problem { throw APIError.invalid("body", problem) }
                try handle.write(contentsOf: chunk.readableBytesView)
            }
            scanner.finish()
            if let problem = scanner.problem { throw APIError.invalid("body", problem) }
            guard scanner.records > 0 else {
                throw APIError.invalid("body", "is empty: send a CSV file whose first row names the columns")
            }
            guard scanner.records - 1 <= CSVLimits.maxRows else {
                throw APIError.invalid("body", "has \(scanner.records - 1) rows; a file may have at most \(CSVLimits.maxRows)")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        return CSVUpload(path: path, delimiter: scanner.delimiter, rows: scanner.records - 1)
    }

    static let tooLarge = APIError(.payloadTooLarge, code: "payload-too-large",
                                   detail: "A CSV file may be at most \(CSVLimits.maxBytes / 1024 / 1024) MB.")

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// One pass over a CSV file's bytes as they arrive: checks UTF-8 (no overlong forms, surrogates or
/// code points past U+10FFFF) and the absence of NUL, counts records the way RFC 4180 ends them (a line
/// break outside quotes; `""` inside quotes toggles twice), and counts `,` and `;` in the first record.
struct CSVScanner {
    private(set) var problem: String?
    private(set) var records = 0
    private var offset = 0
    private var line = 1
    private var pending = 0
    private var nextLow: UInt8 = 0x80
    private var nextHigh: UInt8 = 0xBF
    private var quoted = false
    private var afterCR = false
    private var recordHasBytes = false
    private var inHeader = true
    private var commas = 0
    private var semicolons = 0
    private var atStart = true

    /// `;` when the header line has more semicolons than commas, else `,`.
    var delimiter: UnicodeScalar { semicolons > commas ? ";" : "," }

    mutating func scan(_ bytes: UnsafeRawBufferPointer) {
        guard problem == nil else { return }
        for byte in bytes {
            offset += 1
            if pending > 0 {
                guard byte >= nextLow, byte <= nextHigh else { return fail("is not UTF-8 (line \(line)); save it as \"CSV UTF-8\"") }
                pending -= 1
                nextLow = 0x80
                nextHigh = 0xBF
                continue
            }
            switch byte {
            case 0: return fail("contains a NUL character (line \(line))")
            case 0x01...0x7F: break
            case 0xC2...0xDF: pending = 1
            case 0xE0: pending = 2; nextLow = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: pending = 2
            case 0xED: pending = 2; nextHigh = 0x9F
            case 0xF0: pending = 3; nextLow = 0x90
            case 0xF1...0xF3: pending = 3
            case 0xF4: pending = 3; nextHigh = 0x8F
            default:
                return fail(atStart && (byte == 0xFF || byte == 0xFE)
                            ? "is UTF-16; save it as \"CSV UTF-8\"" : "is not UTF-8 (line \(line)); save it as \"CSV UTF-8\"")
            }
            atStart = false
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            let isCR = byte == 0x0D, isLF = byte == 0x0A
            let wasCR = afterCR
            afterCR = isCR
            // "\r\n" is one line break; a lone "\r" or "\n" is one too.
            if isCR || (isLF && !wasCR) { line += 1 }
            if !quoted, isCR || isLF {
                if !(isLF && wasCR) { endRecord() }
                continue
            }
            recordHasBytes = true
            if inHeader, !quoted {
                if byte == UInt8(ascii: ",") { commas += 1 }
                if byte == UInt8(ascii: ";") { semicolons += 1 }
            }
        }
    }

    /// The end of the file: a last record without a line break counts, an unfinished character fails.
    mutating func finish() {
        guard problem == nil else { return }
        if pending > 0 { return fail("ends inside a UTF-8 character; save it as \"CSV UTF-8\"") }
        if recordHasBytes { endRecord() }
    }

    private mutating func endRecord() {
        records += 1
        recordHasBytes = false
        inHeader = false
    }

    private mutating func fail(_ message: String) {
        problem = message
    }
}

import Foundation
import OpenAPIKit
import Vapor

/// Streams a JSON list as CSV: the same rows the list shows the caller (its service's query, filters
/// and scope), read page after page by the list's own keyset and written as they are read, so an
/// export of any size holds one page in memory. Its columns are the list item's documented keys in
/// order; a nested object with fixed keys (an action's `customer`) becomes `customer.firstName` …,
/// free-form objects (`metadata`) a JSON text cell.
enum CSVExport {
    /// Rows per page read.
    static let pageSize = 500

    /// The CSV columns of a documented response object.
    static func columns(of schema: JSONSchema) -> [String] {
        guard let properties = schema.objectContext?.properties else { return [] }
        var columns: [String] = []
        for (key, property) in properties {
            if let nested = property.objectContext?.properties, !nested.isEmpty {
                columns += nested.keys.map { key + "." + $0 }
            } else {
                columns.append(key)
            }
        }
        return columns
    }

    /// A streamed `text/csv` attachment: a header row, then each page `next` answers until it answers
    /// no cursor. With `?bom=true` the file starts with a UTF-8 byte order mark (for Excel).
    static func response<Item: Encodable & Sendable>(
        for req: Request, filename: String, schema: JSONSchema,
        next: @escaping @Sendable (PageRequest) async throws -> Page<Item>
    ) throws -> Response {
        let bom = try QueryParameter.bool(req, "bom") ?? false
        let columns = columns(of: schema)
        let logger = req.logger
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(filename)\"")
        let body = Response.Body(asyncStream: { writer in
            do {
                try await writer.write(.buffer(ByteBuffer(string: (bom ? "\u{FEFF}" : "") + CSVText.row(columns))))
                var page = PageRequest(limit: pageSize)
                while true {
                    let items = try await next(page)
                    let values = try JSONDecoder().decode([JSONValue].self, from: JSONCoding.encoder.encode(items.items))
                    var text = ""
                    for value in values { text += CSVText.row(columns.map { CSVText.cell(Self.value(at: $0, in: value)) }) }
                    if !text.isEmpty { try await writer.write(.buffer(ByteBuffer(string: text))) }
                    guard let cursor = items.next else { break }
                    page = PageRequest(limit: pageSize, cursor: cursor)
                }
                try await writer.write(.end)
            } catch {
                // The head is sent: the client sees a cut-off file (no final CRLF row), the log says why.
                logger.error("CSV export failed", metadata: ErrorSummary(error).metadata)
                try? await writer.write(.error(error))
            }
        })
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The value under a dotted column name.
    static func value(at column: String, in row: JSONValue) -> JSONValue? {
        var current: JSONValue? = row
        for part in column.split(separator: ".") {
            guard case let .object(fields)? = current else { return nil }
            current = fields[String(part)]
        }
        return current
    }
}

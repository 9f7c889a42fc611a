import OpenAPIKit

/// The document's parameters: paging, filters and ids as the routes read them.
enum Param {
    static func query(_ name: String, _ schema: JSONSchema, _ description: String, required: Bool = false) -> OpenAPI.Parameter {
        OpenAPI.Parameter(name: name, context: .query(required: required, schema: schema), description: description)
    }

    /// A path parameter: always a UUID.
    static func path(_ name: String, _ description: String) -> OpenAPI.Parameter {
        OpenAPI.Parameter(name: name, context: .path(schema: Schema.uuid), description: description + " Not a UUID: 400.")
    }

    static func queryEnum<E: APIEnum>(_ name: String, _: E.Type, _ description: String) -> OpenAPI.Parameter {
        query(name, Schema.oneOf(E.self), description)
    }

    static func queryEnum(_ name: String, _ values: [String], _ description: String) -> OpenAPI.Parameter {
        query(name, Schema.oneOf(values), description)
    }

    static func queryUUID(_ name: String, _ description: String) -> OpenAPI.Parameter {
        query(name, Schema.uuid, description + " Not a UUID: 400.")
    }

    static let limit = query(
        "limit",
        .integer(maximum: (PageRequest.maxLimit, exclusive: false), minimum: (1, exclusive: false),
                 defaultValue: AnyCodable(PageRequest.defaultLimit)),
        "Page size, 1 to \(PageRequest.maxLimit) (default \(PageRequest.defaultLimit)).")
    static let cursor = query(
        "cursor", Schema.string,
        "Opaque cursor from the previous page's `Link` header (only valid with the same filters); a cursor this server "
            + "did not issue is a 400.")
    static let paging = [limit, cursor]

    /// A boolean query value as `QueryParameter.bool` reads it.
    static let boolean = JSONSchema.string(
        description: "`true`/`false` (any case) or `1`/`0`; anything else is a 400.",
        pattern: "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)$")
    /// A date (`YYYY-MM-DD`) or an RFC 3339 timestamp, as `QueryParameter.instant` reads it.
    static let instant = JSONSchema.any(of: [Schema.date, Schema.dateTime])

    static let idempotencyKey = OpenAPI.Parameter(
        name: "Idempotency-Key",
        context: .header(required: false, schema: .string(minLength: IdempotencyMiddleware.keyLength.lowerBound, maxLength: IdempotencyMiddleware.keyLength.upperBound, pattern: "^[!-~]+$")),
        description: "Makes a retried POST safe: the same key and body from the same user within 24 h get the original "
            + "answer without writing again (a different body: 422; the first still running: 409).")
    static let ifMatch = OpenAPI.Parameter(
        name: "If-Match",
        context: .header(required: false, schema: .string(pattern: "^(\\*|(W/)?\"?[1-9][0-9]{0,9}\"?)$")),
        description: "Update only if the resource is still at this version (`\"3\"`, as sent in `ETag`); otherwise 412. "
            + "Without it the update applies to the current version.")
}

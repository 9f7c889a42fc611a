import Vapor

/// Refuses request shapes the API does not take, before any handler sees them: a query that does not
/// decode to one plain value per parameter, a body that is not JSON (415), and a JSON body that breaks
/// the free-form limits, repeats a key or holds NUL characters (400) — checked in one bounded pass over
/// the bytes, so a hostile body costs milliseconds whatever its shape.
struct RequestGuardMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let query = request.url.query { try QueryGuard.check(query) }
        // A CSV import reads and checks its own body as it streams in (`Endpoint.streamingBody()`).
        if [.POST, .PUT, .PATCH].contains(request.method), Self.hasBody(request),
           !API.streamedBodyPaths.contains(request.url.path) {
            guard let type = request.headers.contentType, type.type == "application",
                  type.subType == "json" || type.subType.hasSuffix("+json") else {
                throw APIError(.unsupportedMediaType, code: "unsupported-media-type",
                               detail: "Send the body as application/json.")
            }
            let body = try await request.body.collect(max: request.application.routes.defaultMaxBodySize.value).get()
            if let body, body.readableBytes > 0 {
                let problems = body.withUnsafeReadableBytes { JSONLimits.violations(inBody: $0) }
                if !problems.isEmpty { throw APIError.validation(problems) }
            }
        }
        return try await next.respond(to: request)
    }

    private static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers.first(name: .contentLength), let bytes = Int(length) { return bytes > 0 }
        return request.headers.contains(name: .transferEncoding) || request.body.data.map { $0.readableBytes > 0 } ?? false
    }
}

/// The raw query string, checked before Vapor's decoder reads it: that decoder turns `search[]=` into an
/// array and an undecodable `search=%ff` into nothing, and a filter read as "absent" would silently
/// widen a list. Here every parameter is a plain name given once, with valid percent-encoded UTF-8.
enum QueryGuard {
    static func check(_ query: String) throws {
        var seen = Set<String>()
        var errors = FieldErrors()
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawName = pieces[0]
            guard let name = decode(rawName), isPlainName(name) else {
                let shown = decode(rawName).map { String($0.prefix { $0.isLetter || $0.isNumber || $0 == "_" }) } ?? ""
                errors.add(shown.isEmpty || shown.count > 64 ? "query" : shown,
                           "must be a plain parameter name given as name=value")
                continue
            }
            guard seen.insert(name).inserted else {
                errors.add(name, "must be given once")
                continue
            }
            let rawValue = pieces.count > 1 ? pieces[1] : ""
            guard let value = decode(rawValue) else {
                errors.add(name, "must be valid percent-encoded UTF-8")
                continue
            }
            if value.contains("\u{0}") { errors.add(name, "must not contain NUL characters") }
        }
        try errors.throwIfAny()
    }

    private static func isPlainName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic,
              name.count <= 64 else { return false }
        // A dot too: Meta's webhook handshake sends `hub.mode`, `hub.verify_token`, `hub.challenge`.
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == ".")
        }
    }

    /// Percent-decoding (`+` is a space, as in forms); nil for a broken escape or bytes that are not UTF-8.
    static func decode(_ raw: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.utf8.count)
        var iterator = raw.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hex), let low = iterator.next().flatMap(hex) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Response headers for the API's own paths: nothing under `/auth` or `/crm` may be cached (tokens,
/// customers' data), and no body is sniffed as another type.
struct NoStoreMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let path = request.url.path
        if path == "/auth" || path.hasPrefix("/auth/") || path == "/crm" || path.hasPrefix("/crm/") {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }
}

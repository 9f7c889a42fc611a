import Foundation
import HTTPTypes
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// The typed Swift client of the Native CRM API, generated from `openapi.yaml` at build time by
/// swift-openapi-generator (`Client`, `Components.Schemas.*`, one method per `operationId`).
/// `NativeCRMClient.make(serverURL:token:)` gives a client over AsyncHTTPClient that reads the
/// server's timestamps (always with milliseconds) and signs its requests with a bearer token.
public enum NativeCRMClient {
    public static func make(serverURL: URL, token: String? = nil, transport: any ClientTransport = AsyncHTTPClientTransport())
        -> Client
    {
        Client(serverURL: serverURL, configuration: Configuration(dateTranscoder: RFC3339Milliseconds()),
               transport: transport, middlewares: token.map { [BearerToken(token: $0)] } ?? [])
    }
}

/// Adds `Authorization: Bearer <token>` to every request.
public struct BearerToken: ClientMiddleware {
    public let token: String

    public init(token: String) { self.token = token }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}

/// RFC 3339 timestamps as the server writes them (`2025-06-02T09:00:00.000Z`); reads them with or
/// without fractional seconds.
public struct RFC3339Milliseconds: DateTranscoder {
    public init() {}

    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public func encode(_ date: Date) throws -> String { Self.withFraction.format(date) }

    public func decode(_ text: String) throws -> Date {
        if let date = try? Self.withFraction.parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 timestamp: \(text)"))
    }
}

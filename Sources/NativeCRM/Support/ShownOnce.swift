import Vapor

/// The answer that shows a new secret once (an API key, a webhook's signing secret): the listed
/// item's fields, then the secret under `secretKey`, in one object; 201.
protocol ShownOnceResponse: AsyncResponseEncodable, Encodable, Sendable {
    associatedtype Shown: Encodable
    static var secretKey: String { get }
    var shown: Shown { get }
    var secret: String { get }
}

extension ShownOnceResponse {
    func encode(to encoder: any Encoder) throws {
        try shown.encode(to: encoder)
        var container = encoder.container(keyedBy: SecretKey.self)
        try container.encode(secret, forKey: SecretKey(stringValue: Self.secretKey))
    }

    func encodeResponse(for request: Request) async throws -> Response {
        let response = Response(status: .created)
        try response.content.encode(self, as: .json)
        return response
    }
}

private struct SecretKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

import Vapor

/// A request body that names every field it takes (its `CodingKeys`), so a key it does not take is a
/// 400 naming that key instead of being ignored — `{"password": …}` on an endpoint without a password
/// field must never answer 200 and change nothing.
protocol StrictInput: Decodable {
    associatedtype Field: CodingKey & CaseIterable
}

extension Request {
    /// Decodes the body as `T` after refusing keys `T` does not take (each named in one 400).
    func decodeStrict<T: StrictInput>(_ type: T.Type) throws -> T {
        if let body = body.data, body.readableBytes > 0,
           let keys = try? JSONDecoder().decode(TopLevelKeys.self, from: body).names {
            let accepted = Set(T.Field.allCases.map(\.stringValue))
            var errors = FieldErrors()
            for key in keys where !accepted.contains(key) {
                errors.add(key, "is not a field of this request (accepted: \(T.Field.allCases.map(\.stringValue).joined(separator: ", ")))")
            }
            try errors.throwIfAny()
        }
        return try content.decode(T.self)
    }
}

/// The keys of a JSON object, in body order, without decoding its values.
private struct TopLevelKeys: Decodable {
    let names: [String]

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        names = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
    }
}

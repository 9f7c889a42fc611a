import Crypto
import Fluent
import Foundation

/// A key a machine signs in with (`Authorization: Bearer crm_live_…`): the website's form, an ad
/// platform's relay, a reporting job. It acts as its own user (same id, `kind` `api_key`, the key's
/// role), so whatever it creates and every audit entry name the key. Only the SHA-256 of the key is
/// stored; the key itself is shown once, when it is made.
final class APIKey: Model, @unchecked Sendable {
    static let schema = "api_keys"

    @ID(custom: "id", generatedBy: .user) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "key_hash") var keyHash: String
    /// The key's first characters (`crm_live_` and 6 more), to recognise it in a list.
    @Field(key: "prefix") var prefix: String
    /// Comma-separated `APIKeyScope`s; empty: the role's rights.
    @Field(key: "scopes") var scopesText: String
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    init() {}

    var scopes: [APIKeyScope] {
        get { APIKeyScope.parseList(scopesText) }
        set { scopesText = newValue.map(\.rawValue).joined(separator: ",") }
    }

    /// What every key starts with (a secret scanner can recognise a leaked one).
    static let keyPrefix = "crm_live_"
    /// The characters of a key shown in lists: the prefix and 6 of the random part.
    static let shownLength = keyPrefix.count + 6
    /// The length of a presented key worth looking up (`crm_live_` and 43 base64url characters).
    static let presentedLength = keyPrefix.count + 43

    /// A new key: `crm_live_` and 32 random bytes in base64url.
    static func generate() -> String {
        keyPrefix + SecretToken.random()
    }

    static func hash(_ key: String) -> String { SecretToken.hash(key) }

    /// Whether a bearer token is shaped as one of our keys (anything else is tried as a JWT).
    static func looksLikeKey(_ token: String) -> Bool { token.hasPrefix(keyPrefix) }
}

extension APIKey {
    /// Fluent's list of fields, spelled out so rows decode without reflection (`ModelFieldListTests`
    /// checks it against the declared properties).
    var properties: [any AnyProperty] { [$id, $name, $keyHash, $prefix, $scopesText, $createdBy, $createdAt, $lastUsedAt, $revokedAt] }
}

/// What the audit trail records of it (`AuditLog`): never the key or its hash.
extension APIKey: Auditable {
    static let auditType = "api_key"
    var auditID: UUID { id! }
    var auditCustomerID: UUID? { nil }
    var auditFields: [String: JSONValue] {
        ["name": .init(name), "prefix": .init(prefix), "scopes": .array(scopes.map { .init($0) }),
         "revokedAt": .init(revokedAt)]
    }
}

/// What narrows a key to part of the API. A key without scopes has its role's rights everywhere an API
/// key may go; a key with scopes reaches only the endpoints of those scopes.
public enum APIKeyScope: String, APIEnum, Documented {
    /// The intake endpoints (`POST /crm/intake/…`): a website's form or an ad platform's relay.
    case intake

    static func parseList(_ text: String) -> [APIKeyScope] {
        text.split(separator: ",").compactMap { APIKeyScope(rawValue: String($0)) }
    }
}

/// Whether a user row is a person (signs in with a password) or an API key's own row.
enum UserKind: String, Codable, Sendable {
    case person
    case apiKey = "api_key"
}

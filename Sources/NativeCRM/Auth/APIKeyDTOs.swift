import OpenAPIKit
import Vapor

/// `POST /crm/api-keys`.
struct CreateAPIKeyRequest: Content {
    var name: String
    var role: UserRole
    var scopes: [APIKeyScope]?
}

/// A key as lists show it: never the key or its hash.
struct APIKeyResponse: Content {
    var id: UUID
    var name: String
    var role: UserRole
    var scopes: [APIKeyScope]
    var prefix: String
    var createdAt: Date
    @NullEncodable var lastUsedAt: Date?
    @NullEncodable var revokedAt: Date?

    init(_ key: APIKey, role: UserRole) {
        id = key.id!
        name = key.name
        self.role = role
        scopes = key.scopes
        prefix = key.prefix
        createdAt = key.createdAt
        lastUsedAt = key.lastUsedAt
        revokedAt = key.revokedAt
    }
}

/// The answer to `POST /crm/api-keys`: the key's description and, this once, the key.
struct CreatedAPIKeyResponse: ShownOnceResponse {
    static let secretKey = "key"
    var shown: APIKeyResponse
    var secret: String

    init(_ created: APIKeyService.Created) {
        shown = APIKeyResponse(created.key, role: created.role)
        secret = created.secret
    }
}

// MARK: - The API document's schemas

extension CreateAPIKeyRequest: Documented {
    static let schemaName = "CreateAPIKeyRequest"
    static var schema: JSONSchema {
        Schema.request([
            "name": Schema.name.described("What the key is for (\"Website form\"); shown in lists and the audit trail."),
            "role": UserRole.ref,
            "scopes": Schema.array(APIKeyScope.ref,
                                   "Narrows the key to these scopes' endpoints; absent, null or empty: the role's rights.")
                .orNull,
        ], required: ["name", "role"])
    }
}

extension APIKeyResponse: Documented {
    static let schemaName = "APIKey"
    static var schema: JSONSchema { Schema.response(properties, description: "An API key (never the key itself).") }

    static var properties: OrderedDictionary<String, JSONSchema> {
        [
            "id": Schema.uuid.described("Also the `userId` of what the key does in the audit trail."),
            "name": Schema.string, "role": UserRole.ref, "scopes": Schema.array(APIKeyScope.ref),
            "prefix": Schema.string.described("The key's first characters, to recognise it."),
            "createdAt": Schema.dateTime,
            "lastUsedAt": Schema.dateTime.orNull.described("Within a minute of the key's last use; null if never used."),
            "revokedAt": Schema.dateTime.orNull,
        ]
    }
}

extension CreatedAPIKeyResponse: Documented {
    static let schemaName = "CreatedAPIKey"
    static var schema: JSONSchema {
        var properties = APIKeyResponse.properties
        properties["key"] = Schema.string.described(
            "`crm_live_` and 43 characters: send as `Authorization: Bearer …`. Shown only in this answer; the CRM keeps its hash.")
        return Schema.response(properties, description: "A new API key, with the key shown once.")
    }
}

import OpenAPIKit
import Vapor

/// `POST /crm/tags`.
struct CreateTagRequest: Content {
    var name: String
    var color: String?
    var description: String?
}

/// `PATCH /crm/tags/:tagId`.
struct UpdateTagRequest: Decodable, Sendable {
    var name: String?
    var color: PatchField<String>
    var description: PatchField<String>
}

/// A tag of the catalogue.
struct TagResponse: Content {
    var id: UUID
    var name: String
    @NullEncodable var color: String?
    @NullEncodable var description: String?
    var createdAt: Date
    var updatedAt: Date

    init(_ tag: Tag) {
        id = tag.id!
        name = tag.name
        color = tag.color
        description = tag.details
        createdAt = tag.createdAt
        updatedAt = tag.updatedAt
    }
}

/// `POST /crm/customers/:id/tags` (seed body).
struct AttachTagRequest: Content {
    var tagId: UUID
    var notes: String?
}

/// A tag as shown inside an attachment.
struct TagSummary: Content {
    var id: UUID
    var name: String
    @NullEncodable var color: String?
    @NullEncodable var description: String?

    init(_ tag: Tag) {
        id = tag.id!
        name = tag.name
        color = tag.color
        description = tag.details
    }
}

/// A tag attached to a customer: `POST /crm/customers/:id/tags` and the record's `tags`.
struct CustomerTagResponse: Content {
    var id: UUID
    var customerId: UUID
    var tag: TagSummary
    @NullEncodable var notes: String?
    @NullEncodable var addedBy: UUID?
    var createdAt: Date

    init(_ attachment: CustomerTag, tag: Tag) {
        id = attachment.id!
        customerId = attachment.customerID
        self.tag = TagSummary(tag)
        notes = attachment.notes
        addedBy = attachment.addedBy
        createdAt = attachment.createdAt
    }
}

// MARK: - The API document's schemas

private let colorSchema = JSONSchema.string(
    description: "`#RGB` or `#RRGGBB` (stored upper-case); an empty string means none.",
    pattern: "^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")

extension TagResponse: Documented {
    static let schemaName = "Tag"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid, "name": Schema.string, "color": Schema.string.orNull, "description": Schema.string.orNull,
            "createdAt": Schema.dateTime, "updatedAt": Schema.dateTime,
        ])
    }
}

extension TagSummary: Documented {
    static let schemaName = "TagSummary"
    static var schema: JSONSchema {
        Schema.response(["id": Schema.uuid, "name": Schema.string, "color": Schema.string.orNull,
                         "description": Schema.string.orNull])
    }
}

extension CustomerTagResponse: Documented {
    static let schemaName = "CustomerTag"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid.described("The attachment's id (used by `DELETE /crm/customer-tags/{id}`)."),
            "customerId": Schema.uuid,
            "tag": TagSummary.ref,
            "notes": Schema.string.orNull,
            "addedBy": Schema.uuid.orNull,
            "createdAt": Schema.dateTime,
        ])
    }
}

extension CreateTagRequest: Documented {
    static let schemaName = "CreateTagRequest"
    static var schema: JSONSchema {
        Schema.request(["name": Schema.uniqueName, "color": colorSchema.orNull, "description": Schema.notes.orNull],
                       required: ["name"])
    }
}

extension UpdateTagRequest: Documented {
    static let schemaName = "UpdateTagRequest"
    static var schema: JSONSchema {
        Schema.request([
            "name": Schema.uniqueName.described("Null or absent leaves it unchanged.").orNull,
            "color": colorSchema.described("Null clears it.").orNull,
            "description": Schema.text(TextLimits.notes, "At most \(TextLimits.notes) characters; null clears it.").orNull,
        ], required: [])
    }
}

extension AttachTagRequest: Documented {
    static let schemaName = "AttachTagRequest"
    static var schema: JSONSchema {
        Schema.request(["tagId": Schema.uuid.described("An existing tag (400 otherwise)."), "notes": Schema.notes.orNull],
                       required: ["tagId"])
    }
}

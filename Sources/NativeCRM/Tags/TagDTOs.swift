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

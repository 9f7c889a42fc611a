import Vapor

/// A tag as shown inside an attachment.
struct TagSummary: Content {
    var id: UUID
    var name: String
    @NullEncodable var color: String?
    @NullEncodable var description: String?
}

/// A tag attached to a customer: `POST /crm/customers/:id/tags` and the record's `tags`.
struct CustomerTagResponse: Content {
    var id: UUID
    var customerId: UUID
    var tag: TagSummary
    @NullEncodable var notes: String?
    @NullEncodable var addedBy: UUID?
    var createdAt: Date
}

import Fluent

/// The tag catalogue and the tags attached to customers.
/// Indexes: the catalogue pages by `name_key` (unique); attachments are unique per (customer_id, tag_id)
/// (which also serves the record's tag list) and `GET /crm/tags/:tagId/customers` pages by
/// (tag_id, created_at, id).
struct M0008_CreateTags: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("tags")
            .id()
            .field("name", .string, .required)
            .field("name_key", .string, .required)
            .field("color", .string)
            .field("description", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "name_key")
            .create()
        try await database.schema("customer_tags")
            .id()
            .field("customer_id", .uuid, .required, .references("customers", "id", onDelete: .cascade))
            .field("tag_id", .uuid, .required, .references("tags", "id", onDelete: .cascade))
            .field("notes", .string)
            .field("added_by", .uuid, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .unique(on: "customer_id", "tag_id")
            .create()
        try await createIndex("idx_customer_tags_tag_time", on: "customer_tags", ["tag_id", "created_at", "id"],
                              on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("customer_tags").delete()
        try await database.schema("tags").delete()
    }
}

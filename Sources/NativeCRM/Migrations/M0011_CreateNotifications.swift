import Fluent

/// The notification inbox, and the markers that let the scheduler find what is not yet notified.
/// `delivery_key` is unique: one notification per user and occurrence, however many scheduler
/// instances run. Indexes: the inbox and the live stream read (user_id, created_at, id).
/// Scheduler candidates use (status, scheduled_at) on communications and the existing
/// (status, start_time) / (status, sort_due_at) indexes on appointments and actions.
struct M0011_CreateNotifications: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("notifications")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("type", .string, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("entity_type", .string)
            .field("entity_id", .uuid)
            .field("delivery_key", .string, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .unique(on: "delivery_key")
            .create()
        try await createIndex("idx_notifications_user_time", on: "notifications", ["user_id", "created_at", "id"],
                              on: database)
        try await createIndex("idx_communications_status_scheduled", on: "communications", ["status", "scheduled_at"],
                              on: database)
        // The occurrence each item was last notified for (its start / due / scheduled time then).
        try await database.schema("communications").field("reminded_for", .datetime).update()
        try await database.schema("appointments").field("upcoming_notified_for", .datetime).update()
        try await database.schema("sales_actions").field("due_soon_notified_for", .datetime).update()
        try await database.schema("sales_actions").field("overdue_notified_for", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sales_actions").deleteField("overdue_notified_for").update()
        try await database.schema("sales_actions").deleteField("due_soon_notified_for").update()
        try await database.schema("appointments").deleteField("upcoming_notified_for").update()
        try await database.schema("communications").deleteField("reminded_for").update()
        try await database.schema("notifications").delete()
    }
}

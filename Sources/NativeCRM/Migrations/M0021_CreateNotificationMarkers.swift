import Fluent
import SQLKit

/// The scheduler's "already announced" markers move out of the rows of other domains (appointments,
/// communications, actions) into a table of their own, keyed by kind, entity and occurrence. The
/// markers written so far are copied over, then the old columns go. Its own SQL: it must not change
/// when the code's constants do.
struct M0021_CreateNotificationMarkers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.transaction { database in
            try await database.schema("notification_markers")
                .field("kind", .string, .required)
                .field("entity_id", .uuid, .required)
                .field("occurrence", .datetime, .required)
                .unique(on: "kind", "entity_id", "occurrence")
                .create()
            let sql = database.sql
            for (kind, table, column) in [("communication_reminder", "communications", "reminded_for"),
                                          ("appointment_upcoming", "appointments", "upcoming_notified_for"),
                                          ("task_due_soon", "sales_actions", "due_soon_notified_for"),
                                          ("task_overdue", "sales_actions", "overdue_notified_for")] {
                try await sql.raw("""
                    INSERT INTO notification_markers (kind, entity_id, occurrence)
                    SELECT \(literal: kind), id, \(ident: column) FROM \(ident: table) WHERE \(ident: column) IS NOT NULL
                    """).run()
            }
            try await database.schema("communications").deleteField("reminded_for").update()
            try await database.schema("appointments").deleteField("upcoming_notified_for").update()
            try await database.schema("sales_actions").deleteField("due_soon_notified_for").update()
            try await database.schema("sales_actions").deleteField("overdue_notified_for").update()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("communications").field("reminded_for", .datetime).update()
        try await database.schema("appointments").field("upcoming_notified_for", .datetime).update()
        try await database.schema("sales_actions").field("due_soon_notified_for", .datetime).update()
        try await database.schema("sales_actions").field("overdue_notified_for", .datetime).update()
        try await database.schema("notification_markers").delete()
    }
}

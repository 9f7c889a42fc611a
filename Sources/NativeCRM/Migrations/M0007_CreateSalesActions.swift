import Fluent

/// Actions / tasks. Lists sort by (sort_due_at, priority_rank, id): `sort_due_at` is the due date, or
/// 9999-12-31 when there is none, so "no due date last" is a plain index order.
/// Indexes: all actions (sort_due_at, priority_rank, id); by status; by assignee and status (pending list);
/// by creator; by customer; by related appointment (automatic actions).
struct M0007_CreateSalesActions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("sales_actions")
            .id()
            .field("customer_id", .uuid, .references("customers", "id"))
            .field("action_type", .string, .required)
            .field("title", .string, .required)
            .field("description", .string)
            .field("status", .string, .required)
            .field("priority", .string, .required)
            .field("priority_rank", .int, .required)
            .field("due_date", .datetime)
            .field("sort_due_at", .datetime, .required)
            .field("related_appointment_id", .uuid, .references("appointments", "id"))
            .field("related_lead_id", .uuid)
            .field("metadata", .string, .required)
            .field("assigned_to", .uuid, .references("users", "id"))
            .field("created_by", .uuid, .references("users", "id"))
            .field("completed_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        let order = ["sort_due_at", "priority_rank", "id"]
        try await createIndex("idx_actions_order", on: "sales_actions", order, on: database)
        try await createIndex("idx_actions_status_order", on: "sales_actions", ["status"] + order, on: database)
        try await createIndex("idx_actions_assignee_status_order", on: "sales_actions",
                              ["assigned_to", "status"] + order, on: database)
        try await createIndex("idx_actions_creator_order", on: "sales_actions", ["created_by"] + order, on: database)
        try await createIndex("idx_actions_customer_order", on: "sales_actions", ["customer_id"] + order, on: database)
        try await createIndex("idx_actions_appointment", on: "sales_actions", ["related_appointment_id"], on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sales_actions").delete()
    }
}

import Fluent
import SQLKit

/// Leads announced by a platform whose details are fetched later (Meta's webhook sends only a
/// `leadgen_id`): one row per (source, external_id) — a repeated announcement adds nothing — with the
/// ids the announcement carried, the attempts so far, when to try next, the last failure's kind (never
/// its text) and when it was done or given up. Read by (next_attempt_at) among the open ones.
struct M0025_CreateIntakeJobs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.transaction { database in
            try await database.schema("intake_jobs")
                .id()
                .field("source", .string, .required)
                .field("external_id", .string, .required)
                .field("details", .string, .required)
                .field("attempts", .int, .required)
                .field("next_attempt_at", .datetime, .required)
                .field("last_error", .string)
                .field("done_at", .datetime)
                .field("failed_at", .datetime)
                .field("created_at", .datetime, .required)
                .unique(on: "source", "external_id")
                .create()
            try await createIndex("idx_intake_jobs_due", on: "intake_jobs", ["done_at", "failed_at", "next_attempt_at"],
                                  on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("intake_jobs").delete()
    }
}

import Fluent
import SQLKit

/// Leads that arrive by themselves (the intake endpoints):
/// - `external_id`: the sender's id for the lead (a form submission, Meta's `leadgen_id`, Google's
///   `lead_id`); unique per `source`, so a repeated delivery finds the first lead (NULLs never clash).
/// - `attribution`: where it came from (UTM parameters, click ids, ad and campaign ids), a JSON object
///   of strings; `{}` for the leads so far.
/// - `matched_customer_id`: the existing customer whose email or phone the lead carried.
/// - `is_test`: a platform's test lead (Google's `is_test`), kept but left out of analytics.
struct M0023_AddLeadIntake: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.transaction { database in
            try await database.schema("leads").field("external_id", .string).update()
            try await database.schema("leads").field("attribution", .string, .required, .sql(.default("{}"))).update()
            try await database.schema("leads").field("matched_customer_id", .uuid).update()
            try await database.schema("leads").field("is_test", .bool, .required, .sql(.default(false))).update()
            try await createIndex("idx_leads_source_external", on: "leads", ["source", "external_id"], unique: true, on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "idx_leads_source_external").run()
        for field: String in ["is_test", "matched_customer_id", "attribution", "external_id"] {
            try await database.schema("leads").deleteField(.string(field)).update()
        }
    }
}

import Fluent
import SQLKit

/// Leads by email and by phone: a CSV import matches each batch's rows against the stored leads with
/// `email IN (…) OR phone IN (…)` (customers have had these indexes since M0003).
struct M0027_AddLeadContactIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await createIndex("idx_leads_email", on: "leads", ["email"], on: database)
        try await createIndex("idx_leads_phone", on: "leads", ["phone"], on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "idx_leads_email").run()
        try await database.sql.drop(index: "idx_leads_phone").run()
    }
}

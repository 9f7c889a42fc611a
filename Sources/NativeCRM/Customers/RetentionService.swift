import Fluent
import Vapor

/// Bringing customers back: the repeat-customer list and the follow-up list, both served from the
/// stored record statistics through indexes (M0010), never by scanning appointments.
struct RetentionService: Sendable {
    let db: any Database
    let clock: CRMClock
    /// The clinic's days: a threshold of N days is N of the clinic's calendar days.
    var clinicTime = ClinicTime.utc

    static let defaultThreshold = 30
    static let thresholdRange = 1...3650

    /// Repeat customers by repeatCount, then lifetimeValue, highest first; keyset-paged.
    func repeatCustomers(assignedTo salesID: UUID?, page: PageRequest) async throws -> Page<(CustomerRecord, Customer)> {
        let query = joinedRecords().filter(\.$repeatCount >= RecordStatistics.minimumRepeatCount)
        if let salesID { query.filter(\.$assignedSalesID == salesID) }
        if let cursor = page.cursor {
            query.after(.descending, KeysetValue(\.$repeatCount, Int(try cursor.int(at: 0))),
                        KeysetValue(\.$lifetimeValueCents, try cursor.int(at: 1)), KeysetValue(\.$customerID, try cursor.uuid(at: 2)))
        }
        let rows = try await query.sort(\.$repeatCount, .descending).sort(\.$lifetimeValueCents, .descending)
            .sort(\.$customerID, .descending).limit(page.limit + 1).all()
        let records = Page(fetched: rows, limit: page.limit) {
            Cursor([String($0.repeatCount), String($0.lifetimeValueCents), $0.customerID.uuidString])
        }
        return try records.map { ($0, try $0.joined(Customer.self)) }
    }

    /// Customers not contacted for `threshold` days — last contacted on the clinic's date N or more days
    /// before today (in `CRM_TIME_ZONE`), or never: never contacted first, then the oldest contact. A
    /// salesperson gets their own customers unless they name a salesperson. Also returns the instant the
    /// threshold was measured from (for each row's days since contact).
    func followUp(threshold days: Int, assignedTo requested: UUID?, for caller: AuthenticatedUser, page: PageRequest)
        async throws -> (page: Page<(CustomerRecord, Customer)>, now: Date)
    {
        let salesID = requested ?? (caller.role == .salesperson ? caller.id : nil)
        let now = clock.now
        let cutoff = clinicTime.startOfDay(clinicTime.day(containing: now).adding(days: 1 - days))
        let query = joinedRecords().filter(\.$contactSortAt < cutoff)
        if let salesID { query.filter(\.$assignedSalesID == salesID) }
        if let cursor = page.cursor {
            query.after(.ascending, KeysetValue(\.$contactSortAt, try cursor.date(at: 0)),
                        KeysetValue(\.$customerID, try cursor.uuid(at: 1)))
        }
        let rows = try await query.sort(\.$contactSortAt, .ascending).sort(\.$customerID, .ascending)
            .limit(page.limit + 1).all()
        let records = Page(fetched: rows, limit: page.limit) {
            Cursor([Cursor.timestamp($0.contactSortAt ?? CustomerRecord.neverContacted), $0.customerID.uuidString])
        }
        return (try records.map { ($0, try $0.joined(Customer.self)) }, now)
    }

    private func joinedRecords() -> QueryBuilder<CustomerRecord> {
        CustomerRecord.query(on: db).join(Customer.self, on: \CustomerRecord.$customerID == \Customer.$id)
    }
}

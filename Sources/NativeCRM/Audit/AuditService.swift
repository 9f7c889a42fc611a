import Fluent
import SQLKit
import Vapor

/// Filters of `GET /crm/audit`.
struct AuditFilter: Sendable {
    var entityType: String?
    var entityID: UUID?
    var userID: UUID?
    var customerID: UUID?
    var from: Date?
    var to: Date?
}

/// Reads the audit trail, newest first.
struct AuditService: Sendable {
    let db: any Database

    static let entityTypes = ["user", "customer", "customer_record", "clinic", "service", "appointment",
                              "communication", "action", "lead", "tag", "customer_tag", APIKey.auditType,
                              Webhook.auditType,
                              AuditLog.importType]

    /// Newest first. `visibleTo` scopes the entries in the query: a SALESPERSON sees the entries of
    /// actions they may see (`ActionService.visibility`) and all other history; others see everything.
    func list(_ filter: AuditFilter, page: PageRequest, visibleTo caller: AuthenticatedUser? = nil) async throws
        -> Page<AuditEntry>
    {
        let query = AuditEntry.query(on: db)
        if let caller { Self.scope(query, to: caller, customerID: filter.customerID) }
        if let type = filter.entityType { query.filter(\.$entityType == type) }
        if let id = filter.entityID { query.filter(\.$entityID == id) }
        if let user = filter.userID { query.filter(\.$userID == user) }
        if let customer = filter.customerID { query.filter(\.$customerID == customer) }
        if let from = filter.from { query.filter(\.$createdAt >= from) }
        if let to = filter.to { query.filter(\.$createdAt < to) }
        return try await query.page(newestFirstBy: \.$createdAt, page) { $0.createdAt }
    }

    /// The changes on a customer's timeline, newest first, after `position`: everything but the
    /// creation of appointments, communications and actions (the timeline shows those rows themselves).
    func timeline(customerID: UUID, visibleTo caller: AuthenticatedUser, rank: Int, after position: TimelinePosition?,
                  limit: Int) async throws -> [AuditEntry] {
        let query = AuditEntry.query(on: db).filter(\.$customerID == customerID)
        Self.scope(query, to: caller, customerID: customerID)
        query.group(.or) { or in
            or.filter(\.$action != .create)
            or.filter(\.$entityType !~ [Appointment.auditType, Communication.auditType, SalesAction.auditType])
        }
        return try await query.newestFirst(by: \.$createdAt, rank: rank, after: position, limit: limit).all()
    }

    /// A SALESPERSON sees the entries of actions they may see (`ActionService.visibility`) and all
    /// other history; others see everything. The scope is part of the query.
    private static func scope(_ query: QueryBuilder<AuditEntry>, to caller: AuthenticatedUser, customerID: UUID?) {
        guard let own = ActionService.visibility(for: caller) else { return }
        // The IN list is the customer's actions (or all, without a customer filter) that the caller may see.
        let customerScope: SQLQueryString = customerID.map { "customer_id = \(bind: $0) AND " } ?? ""
        query.filter(.sql(embed: """
            (\(ident: AuditEntry.schema).entity_type <> \(bind: SalesAction.auditType)
             OR \(ident: AuditEntry.schema).entity_id IN (SELECT id FROM sales_actions WHERE \(customerScope)\(own)))
            """))
    }
}

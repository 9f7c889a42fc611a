import Fluent
import SQLKit
import Vapor

/// An audit entry as the API shows it.
struct AuditEntryResponse: Content {
    var id: UUID
    @NullEncodable var userId: UUID?
    @NullEncodable var requestId: String?
    var entityType: String
    var entityId: UUID
    var action: AuditAction
    /// `{field: {"old": …, "new": …}}`.
    var changes: JSONObject
    @NullEncodable var customerId: UUID?
    var createdAt: Date

    init(_ entry: AuditEntry) {
        id = entry.id!
        userId = entry.userID
        requestId = entry.requestID
        entityType = entry.entityType
        entityId = entry.entityID
        action = entry.action
        changes = JSONObject(text: entry.changesText)
        customerId = entry.customerID
        createdAt = entry.createdAt
    }
}

/// `GET /crm/audit` (ADMIN) and `GET /crm/customers/:id/audit` (anyone who may read the customer).
struct AuditController {
    func all(_ routes: any RoutesBuilder) {
        routes.get("audit", use: list)
    }

    func perCustomer(_ routes: any RoutesBuilder) {
        routes.get("customers", ":id", "audit", use: customerTimeline)
    }

    @Sendable func list(req: Request) async throws -> Response {
        let type = req.query[String.self, at: "entityType"]
        if let type, !AuditService.entityTypes.contains(type) {
            throw APIError.invalid("entityType", "must be one of: " + AuditService.entityTypes.joined(separator: ", "))
        }
        let filter = AuditFilter(
            entityType: type, entityID: try QueryParameter.uuid(req, "entityId"),
            userID: try QueryParameter.uuid(req, "userId"), customerID: nil,
            from: try QueryParameter.instant(req, "from", endOfDay: false),
            to: try QueryParameter.instant(req, "to", endOfDay: true))
        return try await AuditService(db: req.db).list(filter, page: try PageRequest(from: req))
            .map(AuditEntryResponse.init).response(for: req)
    }

    @Sendable func customerTimeline(req: Request) async throws -> Response {
        let id = try req.parameters.uuid("id")
        _ = try await CustomerService(db: req.db, clock: req.clock).find(id)
        return try await AuditService(db: req.db)
            .list(AuditFilter(customerID: id), page: try PageRequest(from: req), visibleTo: try req.caller)
            .map(AuditEntryResponse.init).response(for: req)
    }
}

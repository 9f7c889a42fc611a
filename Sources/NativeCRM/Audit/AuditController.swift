import OpenAPIKit
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

extension AuditEntryResponse: Documented {
    static let schemaName = "AuditEntry"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid,
            "userId": Schema.uuid.orNull.described("Who made the change; null for the system's own work."),
            "requestId": Schema.string.orNull.described("The request that made it (`X-Request-ID`)."),
            "entityType": Schema.oneOf(AuditService.entityTypes),
            "entityId": Schema.uuid,
            "action": Schema.oneOf(AuditAction.self),
            "changes": JSONSchema.object(
                description: "The changed fields: `{field: {old, new}}` (never password hashes or tokens).",
                additionalProperties: .b(Schema.object(["old": .fragment(), "new": .fragment()]))),
            "customerId": Schema.uuid.orNull.described("The customer the entity belongs to (for the customer's timeline)."),
            "createdAt": Schema.dateTime,
        ], description: "One change to the CRM's data.")
    }
}

/// `GET /crm/audit` (ADMIN) and `GET /crm/customers/:id/audit` (anyone who may read the customer).
struct AuditController {
    var endpoints: [Endpoint] {
        [
            Endpoint(.GET, "/crm/audit", .admin, "The audit trail", use: list, .init(
                "listAuditEntries", tag: "Audit",
                "Every create, update and delete under /crm, newest first; keyset-paged. `from` is inclusive, `to` "
                    + "inclusive (a date means the whole day).",
                parameters: [
                    Param.queryEnum("entityType", AuditService.entityTypes, "Only this kind of entity."),
                    Param.queryUUID("entityId", "Only this entity."),
                    Param.queryUUID("userId", "Only changes by this user."),
                    Param.query("from", Param.instant, "Changes at or after (date or timestamp)."),
                    Param.query("to", Param.instant, "Changes up to and including (date or timestamp)."),
                ] + Param.paging,
                replies: [.ok(AuditEntryResponse.ref, "A page of audit entries (bare array).", list: true)], errors: [400])),
            Endpoint(.GET, "/crm/customers/{id}/audit", .everyone, "A customer's change timeline", use: customerTimeline, .init(
                "listCustomerAuditEntries", tag: "Audit",
                "Changes to the customer, its record, appointments, communications, actions and tags, newest first.",
                parameters: [Param.path("id", "The customer's id.")] + Param.paging,
                replies: [.ok(AuditEntryResponse.ref, "A page of audit entries (bare array).", list: true)],
                errors: [400, 404])),
        ]
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

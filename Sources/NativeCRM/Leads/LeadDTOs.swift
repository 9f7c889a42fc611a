import Vapor

/// `POST /crm/leads` (seed body, plus `assignedSalesId` for the front desk and managers).
struct CreateLeadRequest: Content {
    var source: LeadSource
    var firstName: String
    var lastName: String?
    var email: String?
    var phone: String?
    var status: LeadStatus?
    var notes: String?
    var estimatedValue: Money?
    var metadata: JSONObject?
    var assignedSalesId: UUID?
}

/// `PATCH /crm/leads/:id`: partial; `metadata` merges shallowly.
struct UpdateLeadRequest: Decodable, Sendable {
    var status: LeadStatus?
    var notes: PatchField<String>
    var estimatedValue: PatchField<Money>
    var source: LeadSource?
    var firstName: String?
    var lastName: PatchField<String>
    var email: PatchField<String>
    var phone: PatchField<String>
    var metadata: JSONObject?
    var assignedSalesId: PatchField<UUID>
    var lostReason: PatchField<String>
}

/// A lead as the API shows it.
struct LeadResponse: Content {
    var id: UUID
    var source: LeadSource
    var firstName: String
    @NullEncodable var lastName: String?
    @NullEncodable var email: String?
    @NullEncodable var phone: String?
    var status: LeadStatus
    @NullEncodable var notes: String?
    @NullEncodable var estimatedValue: Money?
    var metadata: JSONObject
    @NullEncodable var assignedSalesId: UUID?
    @NullEncodable var lostReason: String?
    @NullEncodable var convertedCustomerId: UUID?
    @NullEncodable var convertedAt: Date?
    @NullEncodable var firstContactedAt: Date?
    @NullEncodable var createdBy: UUID?
    var createdAt: Date
    var updatedAt: Date

    init(_ lead: Lead) {
        id = lead.id!
        source = lead.source
        firstName = lead.firstName
        lastName = lead.lastName
        email = lead.email
        phone = lead.phone
        status = lead.status
        notes = lead.notes
        estimatedValue = lead.estimatedValueCents.map(Money.init(cents:))
        metadata = lead.metadata
        assignedSalesId = lead.assignedSalesID
        lostReason = lead.lostReason
        convertedCustomerId = lead.convertedCustomerID
        convertedAt = lead.convertedAt
        firstContactedAt = lead.firstContactedAt
        createdBy = lead.createdBy
        createdAt = lead.createdAt
        updatedAt = lead.updatedAt
    }
}

/// Filters of `GET /crm/leads`.
struct LeadFilter: Sendable {
    var status: LeadStatus?
    var assignedSalesID: UUID?
    var source: LeadSource?
    var search: String?
}

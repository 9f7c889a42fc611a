import OpenAPIKit
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
    @NullEncodable var externalId: String?
    var attribution: [String: String]
    @NullEncodable var matchedCustomerId: UUID?
    var isTest: Bool
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
        externalId = lead.externalID
        attribution = lead.attribution
        matchedCustomerId = lead.matchedCustomerID
        isTest = lead.isTest
        createdAt = lead.createdAt
        updatedAt = lead.updatedAt
    }
}

/// `POST /crm/intake/leads`: a website's or form tool's lead (the seed's lead fields, with the
/// sender's id for it and where it came from).
struct IntakeLeadRequest: Content {
    var source: LeadSource
    var firstName: String
    var lastName: String?
    var email: String?
    var phone: String?
    var notes: String?
    var estimatedValue: Money?
    var metadata: JSONObject?
    var externalId: String?
    var attribution: [String: String]?
}

/// Filters of `GET /crm/leads`.
struct LeadFilter: Sendable {
    var status: LeadStatus?
    var assignedSalesID: UUID?
    var source: LeadSource?
    var search: String?
}

// MARK: - The API document's schemas

extension LeadResponse: Documented {
    static let schemaName = "Lead"
    static var schema: JSONSchema {
        Schema.response([
            "id": Schema.uuid,
            "source": LeadSource.ref,
            "firstName": Schema.string,
            "lastName": Schema.string.orNull,
            "email": Schema.string.orNull,
            "phone": Schema.string.orNull,
            "status": LeadStatus.ref,
            "notes": Schema.string.orNull,
            "estimatedValue": Schema.moneyOut.orNull,
            "metadata": Schema.jsonObject,
            "assignedSalesId": Schema.uuid.orNull,
            "lostReason": Schema.string.orNull,
            "convertedCustomerId": Schema.uuid.orNull,
            "convertedAt": Schema.dateTime.orNull,
            "firstContactedAt": Schema.dateTime.orNull,
            "createdBy": Schema.uuid.described("Who made it: a user, or the API key it arrived with.").orNull,
            "externalId": Schema.string.described("The sender's id for the lead (intake); unique per source.").orNull,
            "attribution": Schema.attribution,
            "matchedCustomerId": Schema.uuid.described(
                "The existing customer whose email or phone the lead carried when it arrived (intake).").orNull,
            "isTest": Schema.boolean.described("A platform's test lead: kept, left out of analytics."),
            "createdAt": Schema.dateTime, "updatedAt": Schema.dateTime,
        ])
    }
}

extension Schema {
    /// A lead's `attribution`: strings under the known keys.
    static var attribution: JSONSchema {
        JSONSchema.object(
            description: "Where the lead came from: strings (at most \(LeadAttribution.maxLength) characters) under "
                + LeadAttribution.keys.map { "`\($0)`" }.joined(separator: ", ") + "; other keys are a 400.",
            additionalProperties: .b(.string(maxLength: LeadAttribution.maxLength)))
    }
}

extension IntakeLeadRequest: Documented {
    static let schemaName = "IntakeLeadRequest"
    static var schema: JSONSchema {
        var properties = CreateLeadRequest.contactSchemas
        for (key, value) in CreateLeadRequest.detailSchemas { properties[key] = value }
        properties["externalId"] = JSONSchema.string(
            description: "The sender's id for this lead (a form submission id): a repeated delivery with the same "
                + "`source` and `externalId` answers 200 with the first lead.",
            maxLength: LeadService.externalIDLength).orNull
        properties["attribution"] = Schema.attribution.orNull
        return Schema.request(properties, required: ["source", "firstName"])
    }
}

extension CreateLeadRequest: Documented {
    static let schemaName = "CreateLeadRequest"
    static var schema: JSONSchema {
        var properties = contactSchemas
        properties["status"] = Schema.oneOf(LeadStatus.open.map(\.rawValue)).described(
            "Defaults to `new`; `converted` and `lost` are only reachable through PATCH (400 here).").orNull
        for (key, value) in detailSchemas { properties[key] = value }
        properties["assignedSalesId"] = Schema.uuid.described(
            "An active SALESPERSON. A SALESPERSON may only name themselves (400 otherwise); without it the "
                + "least-loaded salesperson gets the lead.").orNull
        return Schema.request(properties, required: ["source", "firstName"])
    }

    /// Who a new lead is: what creating one and receiving one (intake) both take.
    static var contactSchemas: OrderedDictionary<String, JSONSchema> {
        let contact = "A lead needs an email or a phone (400 otherwise)."
        return [
            "source": LeadSource.ref,
            "firstName": Schema.name,
            "lastName": JSONSchema.string(maxLength: TextLimits.name).orNull,
            "email": Schema.emailIn.described(contact).orNull,
            "phone": Schema.phoneIn.described(contact).orNull,
        ]
    }

    /// What else a new lead carries, created or received.
    static var detailSchemas: OrderedDictionary<String, JSONSchema> {
        ["notes": Schema.notes.orNull, "estimatedValue": Schema.moneyIn.orNull, "metadata": Schema.jsonIn.orNull]
    }
}

extension UpdateLeadRequest: Documented {
    static let schemaName = "UpdateLeadRequest"
    static var schema: JSONSchema {
        Schema.request([
            "status": Schema.oneOf(LeadStatus.self).described(
                "`converted` creates or links the customer; a converted lead cannot change status (409).").orNull,
            "notes": Schema.text(TextLimits.notes, "At most \(TextLimits.notes) characters; null clears it.").orNull,
            "estimatedValue": Schema.moneyIn.described("Null clears it.").orNull,
            "source": Schema.oneOf(LeadSource.self).orNull,
            "firstName": Schema.name.orNull,
            "lastName": JSONSchema.string(description: "Null clears it.", maxLength: TextLimits.name).orNull,
            "email": Schema.emailIn.described("Null clears it; the lead must keep an email or a phone.").orNull,
            "phone": Schema.phoneIn.described("Null clears it; the lead must keep an email or a phone.").orNull,
            "metadata": Schema.jsonMerge.orNull,
            "assignedSalesId": Schema.uuid.described(
                "An active SALESPERSON, or null to unassign. A SALESPERSON may only claim (403 otherwise).").orNull,
            "lostReason": JSONSchema.string(
                description: "Kept only while the status is `lost`.", maxLength: TextLimits.lostReason).orNull,
        ], required: [],
        description: "Partial update. A SALESPERSON may change only leads assigned to them or unassigned (403 otherwise).")
    }
}

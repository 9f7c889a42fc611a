import Fluent
import Vapor

/// Leads that arrive by themselves: each channel checks and maps what its sender posts into a
/// `LeadDelivery`, and `LeadService.receive` stores it once (idempotent on the sender's id), links a
/// matching customer and assigns it.
struct IntakeService: Sendable {
    let db: any Database
    let clock: CRMClock
    let events: any ActivityEvents

    private var leads: LeadService { LeadService(db: db, clock: clock, events: events) }

    /// `POST /crm/intake/leads`: a website's or form tool's lead.
    func website(_ input: Input<IntakeLeadRequest>, by caller: AuthenticatedUser) async throws -> (lead: Lead, created: Bool) {
        var errors = input.problems
        let contact = LeadService.checkContact(firstName: input.firstName, lastName: input.lastName,
                                               email: input.email, phone: input.phone, &errors)
        errors.check(ContactFields.trimmed(input.email) != nil || ContactFields.trimmed(input.phone) != nil,
                     "email", "a lead needs an email or a phone number")
        errors.maxLength(input.notes, "notes", TextLimits.notes)
        let externalID = ContactFields.trimmed(input.externalId)
        errors.maxLength(externalID, "externalId", LeadService.externalIDLength)
        LeadAttribution.check(input.attribution, into: &errors)
        try errors.throwIfAny()
        return try await leads.receive(LeadDelivery(
            source: input.source, contact: contact, notes: input.notes, estimatedValue: input.estimatedValue,
            metadata: input.metadata, externalID: externalID, attribution: LeadAttribution.cleaned(input.attribution)),
            by: caller.actor)
    }
}

// MARK: - Google Ads lead form webhook

extension IntakeService {
    /// The columns of a Google lead form that become the lead's name and contact; the others are kept in
    /// `metadata.googleColumns`.
    static let googleNameColumns = ["FULL_NAME", "FIRST_NAME", "LAST_NAME"]
    static let googleEmailColumns = ["EMAIL", "WORK_EMAIL"]
    static let googlePhoneColumns = ["PHONE_NUMBER", "WORK_PHONE"]
    /// Google's ids that become attribution: `gcl_id` → `gclid`, the ad group is the ad set, the creative the ad.
    static let googleAttribution = [("gcl_id", "gclid"), ("campaign_id", "campaign_id"), ("form_id", "form_id"),
                                    ("adgroup_id", "adset_id"), ("creative_id", "ad_id")]
    /// The first name of a lead whose form asked for none.
    static let unnamedGoogleLead = "Google Ads lead"
    /// The longest column value kept.
    static let googleColumnLength = 1_000

    /// `POST /crm/intake/google`: the payload Google Ads posts for a lead form. `google_key` must equal
    /// `expectedKey` (401 and nothing stored otherwise); idempotent on `lead_id`; `is_test` leads are
    /// stored flagged, unassigned, and left out of analytics.
    func google(_ body: JSONValue, expectedKey: String?) async throws -> (lead: Lead, created: Bool) {
        guard case let .object(fields) = body else { throw APIError.invalid("body", "must be a JSON object") }
        guard let expectedKey, case let .string(key)? = fields["google_key"], ConstantTime.same(key, expectedKey) else {
            throw APIError(.unauthorized, code: "unauthorized", detail: "The google_key does not match this CRM's.")
        }
        var errors = FieldErrors()
        let leadID = Self.text(fields["lead_id"])
        errors.check(leadID != nil, "lead_id", "is required: Google's id for the lead")
        errors.maxLength(leadID, "lead_id", LeadService.externalIDLength)
        var columns: [String: String] = [:]
        if case let .array(items)? = fields["user_column_data"] {
            for (index, item) in items.enumerated() {
                guard case let .object(column) = item, let id = Self.text(column["column_id"]), id.count <= 100 else {
                    errors.add("user_column_data[\(index)]", "must be an object with a column_id")
                    continue
                }
                let value = Self.text(column["string_value"]) ?? ""
                errors.maxLength(value, "user_column_data[\(index)].string_value", Self.googleColumnLength)
                columns[id] = value
            }
        } else {
            errors.add("user_column_data", "is required: an array of the form's columns")
        }
        try errors.throwIfAny()

        let (first, last) = Self.name(first: columns["FIRST_NAME"], last: columns["LAST_NAME"], full: columns["FULL_NAME"],
                                      unnamed: Self.unnamedGoogleLead)
        let email = Self.googleEmailColumns.lazy.compactMap { columns[$0] }.first
        let phone = Self.googlePhoneColumns.lazy.compactMap { columns[$0] }.first
        var contactErrors = FieldErrors()
        let contact = LeadService.checkContact(firstName: first, lastName: last, email: email, phone: phone, &contactErrors)
        contactErrors.check(ContactFields.trimmed(email) != nil || ContactFields.trimmed(phone) != nil, "email",
                            "a lead needs an email or a phone number")
        for problem in contactErrors.all {
            let column = ["firstName": "FIRST_NAME", "lastName": "LAST_NAME", "email": "EMAIL", "phone": "PHONE_NUMBER"][problem.field]
            errors.add("user_column_data." + (column ?? problem.field), problem.message)
        }
        try errors.throwIfAny()

        var attribution: [String: String] = [:]
        for (field, key) in Self.googleAttribution {
            if let value = Self.text(fields[field]) { attribution[key] = String(value.prefix(LeadAttribution.maxLength)) }
        }
        let used = Set(Self.googleNameColumns + Self.googleEmailColumns + Self.googlePhoneColumns)
        let others = columns.filter { !used.contains($0.key) }.mapValues { JSONValue.string($0) }
        return try await leads.receive(LeadDelivery(
            source: .googleAds, contact: contact, notes: nil, estimatedValue: nil,
            metadata: others.isEmpty ? nil : JSONObject(["googleColumns": .object(others)]),
            externalID: leadID, attribution: attribution, isTest: fields["is_test"] == .bool(true)), by: .system)
    }

    /// A platform lead's first and last name: its own fields, else its full name split at the first
    /// space, else `unnamed`.
    static func name(first: String?, last: String?, full: String?, unnamed: String) -> (String, String?) {
        let parts = ContactFields.trimmed(full).map { $0.split(separator: " ", maxSplits: 1).map(String.init) } ?? []
        return (ContactFields.trimmed(first) ?? parts.first ?? unnamed,
                ContactFields.trimmed(last) ?? (parts.count > 1 ? parts[1] : nil))
    }

    /// A string, or a number written exactly (ids above 2^53 stay as sent); nil for anything else or blank.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case let .string(text)?: ContactFields.trimmed(text)
        case let .integer(number)?: String(number)
        case let .number(number)?: "\(number)"
        default: nil
        }
    }
}

import OpenAPIKit
import Vapor

/// What a platform's webhook is answered: the lead it made, or made before.
struct IntakeReceipt: Content {
    var id: UUID
    var created: Bool
}

/// What Meta's webhook is answered.
struct MetaReceipt: Content {
    var queued: Int
}

/// Meta's `leadgen` webhook payload (only documented, read as JSON).
enum MetaLeadWebhook {}

/// Google Ads' lead form webhook payload (only documented: the handler reads it as JSON, keeping
/// numbers exact and ignoring keys Google may add).
enum GoogleLeadWebhook {}

extension Request {
    /// The body as plain JSON (numbers exact), for a platform's payload whose keys are the platform's.
    func decodeJSONValue() throws -> JSONValue {
        guard let buffer = body.data, buffer.readableBytes > 0,
              let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: buffer)) else {
            throw APIError.invalid("body", "is missing or is not JSON")
        }
        return value
    }
}

// MARK: - The API document's schemas

extension IntakeReceipt: Documented {
    static let schemaName = "IntakeReceipt"
    static var schema: JSONSchema {
        Schema.response(["id": Schema.uuid.described("The lead's id."),
                         "created": Schema.boolean.described("False when this delivery was seen before.")])
    }
}

extension GoogleLeadWebhook: Documented {
    static let schemaName = "GoogleLeadWebhook"
    static var schema: JSONSchema {
        let id = JSONSchema.one(of: [.string, .integer], core: .init(description: "Google's id (kept exactly)."))
        let column = Schema.object([
            "column_id": Schema.string.described("FULL_NAME, FIRST_NAME, LAST_NAME, EMAIL, PHONE_NUMBER …"),
            "string_value": .string(maxLength: IntakeService.googleColumnLength),
            "column_name": Schema.string,
        ], required: ["column_id"], additionalProperties: .a(true))
        return Schema.object([
            "lead_id": .string(maxLength: LeadService.externalIDLength),
            "google_key": Schema.string.described("Must equal `CRM_GOOGLE_LEAD_KEY`."),
            "user_column_data": Schema.array(column),
            "is_test": Schema.boolean, "api_version": Schema.string, "gcl_id": Schema.string,
            "campaign_id": id, "form_id": id, "adgroup_id": id, "creative_id": id,
        ], required: ["lead_id", "google_key", "user_column_data"],
        description: "As Google Ads sends it; other keys are ignored.", additionalProperties: .a(true))
    }
}

extension MetaReceipt: Documented {
    static let schemaName = "MetaReceipt"
    static var schema: JSONSchema {
        Schema.response(["queued": Schema.count.described("Leads announced for the first time (fetched in the background).")])
    }
}

extension MetaLeadWebhook: Documented {
    static let schemaName = "MetaLeadWebhook"
    static var schema: JSONSchema {
        let id = JSONSchema.one(of: [.string, .integer], core: .init(description: "Meta's id (kept exactly)."))
        let value = Schema.object([
            "leadgen_id": id, "page_id": id, "form_id": id, "adgroup_id": id, "ad_id": id, "created_time": Schema.integer,
        ], required: ["leadgen_id"], additionalProperties: .a(true))
        let change = Schema.object(["field": Schema.string.described("`leadgen`."), "value": value],
                                   required: ["field", "value"], additionalProperties: .a(true))
        let entry = Schema.object(["id": id, "time": Schema.integer, "changes": Schema.array(change)],
                                  required: ["changes"], additionalProperties: .a(true))
        return Schema.object(["object": Schema.string, "entry": Schema.array(entry)], required: ["entry"],
                             description: "As Meta sends it (`object: page`); changes other than `leadgen` and unknown keys are ignored.",
                             additionalProperties: .a(true))
    }
}

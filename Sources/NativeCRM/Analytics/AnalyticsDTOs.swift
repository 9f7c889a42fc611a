import OpenAPIKit
import Vapor

/// `GET /crm/analytics/salesperson`: the seed's three blocks plus `leads` and the period.
struct SalespersonAnalyticsResponse: Content {
    struct Period: Content {
        var startDate: CalendarDate
        var endDate: CalendarDate
    }

    struct Communications: Content {
        var total: Int
        var calls: Int
        var missedCalls: Int
        var emails: Int
        var sms: Int
        var whatsapp: Int
        var meetings: Int
        var notes: Int
    }

    struct Actions: Content {
        var total: Int
        var pending: Int
        var completed: Int
        var missed: Int
        var cancelled: Int
        /// Pending and past due now.
        var overdue: Int
    }

    struct Customers: Content {
        var total: Int
        var `repeat`: Int
        var totalRevenue: Money
    }

    struct Leads: Content {
        var total: Int
        var converted: Int
        /// converted ÷ total (0 when there are none), four decimals.
        var conversionRate: Double
        var bySource: [String: Int]
        @NullEncodable var medianMinutesToFirstContact: Double?
    }

    /// The salesperson described; null for the whole team (ADMIN without `salespersonId`).
    @NullEncodable var salespersonId: UUID?
    var period: Period
    var communications: Communications
    var actions: Actions
    var customers: Customers
    var leads: Leads
}

// MARK: - The API document's schemas

extension SalespersonAnalyticsResponse: Documented {
    static let schemaName = "SalespersonAnalytics"
    static var schema: JSONSchema {
        func counts(_ keys: [String]) -> JSONSchema {
            var properties = OrderedDictionary<String, JSONSchema>()
            for key in keys { properties[key] = Schema.count }
            return Schema.response(properties)
        }
        var bySource = OrderedDictionary<String, JSONSchema>()
        for source in LeadSource.allCases { bySource[source.rawValue] = Schema.count }
        return Schema.response([
            "salespersonId": Schema.uuid.described("The salesperson described; null for the whole sales team.").orNull,
            "period": Schema.response(["startDate": Schema.date, "endDate": Schema.date]),
            "communications": counts(["total", "calls", "missedCalls", "emails", "sms", "whatsapp", "meetings", "notes"]),
            "actions": counts(["total", "pending", "completed", "missed", "cancelled", "overdue"]),
            "customers": Schema.response(["total": Schema.count, "repeat": Schema.count, "totalRevenue": Schema.moneyOut]),
            "leads": Schema.response([
                "total": Schema.count,
                "converted": Schema.count,
                "conversionRate": JSONSchema.number(
                    description: "converted ÷ total, four decimals (0 without leads).",
                    maximum: (1, exclusive: false), minimum: (0, exclusive: false)),
                "bySource": JSONSchema.object(
                    description: "Lead count per source; every source is present, zeros included.",
                    properties: bySource, additionalProperties: .b(Schema.count)),
                "medianMinutesToFirstContact": Schema.number.described("Null when no lead was contacted.").orNull,
            ]),
        ])
    }
}

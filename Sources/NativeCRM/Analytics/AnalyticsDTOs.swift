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

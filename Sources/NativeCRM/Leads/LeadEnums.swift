import SQLKit

/// Where a lead came from (seed).
public enum LeadSource: String, APIEnum, Documented {
    case facebookAds = "facebook_ads"
    case googleAds = "google_ads"
    case referral
    case walkIn = "walk_in"
    case website
}

/// Lead pipeline status (seed).
public enum LeadStatus: String, APIEnum, Documented {
    case new, contacted, qualified, converted, lost

    /// Still being worked: counts toward a salesperson's load for automatic assignment, and the
    /// statuses a new lead may start in.
    static let open: [LeadStatus] = [.new, .contacted, .qualified]

    /// `<column> IN ('new', 'contacted', 'qualified')`, from `open`.
    static func openSQL(_ column: String) -> SQLQueryString {
        inSQL(column, open.map(\.rawValue))
    }
}

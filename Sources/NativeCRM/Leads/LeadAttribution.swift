import Foundation

/// Where a lead came from: the UTM parameters and click ids of the page its form was on, the ad
/// platforms' ad, ad set, campaign and form ids. A JSON object of strings under known keys (spelled as
/// the platforms and URLs spell them), each at most `maxLength` characters.
enum LeadAttribution {
    static let keys = [
        "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid", "fbclid", "landing_page",
        "ad_id", "adset_id", "campaign_id", "form_id",
    ]
    static let maxLength = 500

    /// Reports each unknown key or over-long value under `field.key`.
    static func check(_ attribution: [String: String]?, field: String = "attribution", into errors: inout FieldErrors) {
        for (key, value) in (attribution ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard keys.contains(key) else {
                let plain = key.count <= 64 && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
                errors.add(plain ? "\(field).\(key)" : field,
                           "is not an attribution key (accepted: \(keys.joined(separator: ", ")))")
                continue
            }
            errors.maxLength(value, "\(field).\(key)", maxLength)
        }
    }

    /// The known keys with a non-empty value, trimmed.
    static func cleaned(_ attribution: [String: String]?) -> [String: String] {
        (attribution ?? [:]).compactMapValues { ContactFields.trimmed($0) }.filter { keys.contains($0.key) }
    }

    static func encode(_ attribution: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(attribution)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    static func decode(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }
}

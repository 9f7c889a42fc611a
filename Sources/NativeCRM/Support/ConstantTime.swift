import Crypto
import Foundation

/// Comparing secrets (a scraper's token, a platform's shared key, a signature).
enum ConstantTime {
    /// Equal texts, in time that does not depend on where they differ (their SHA-256s are compared).
    static func same(_ a: String, _ b: String) -> Bool {
        Data(SHA256.hash(data: Data(a.utf8))) == Data(SHA256.hash(data: Data(b.utf8)))
    }
}

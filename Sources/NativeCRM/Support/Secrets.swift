import Crypto
import Foundation

/// Comparing secrets (a scraper's token, a platform's shared key, a signature).
enum ConstantTime {
    /// Equal texts, in time that does not depend on where they differ (their SHA-256s are compared).
    static func same(_ a: String, _ b: String) -> Bool {
        Data(SHA256.hash(data: Data(a.utf8))) == Data(SHA256.hash(data: Data(b.utf8)))
    }
}

/// Random secrets shown once and stored only as their hash: stream tickets, API keys, calendar feeds.
enum SecretToken {
    /// 32 random bytes in base64url without padding (43 characters).
    static func random() -> String {
        [UInt8].random(count: 32).base64.replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The SHA-256 of a secret in hex: what is stored and looked up.
    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Vapor

/// An IP network (`10.0.0.0/8`, `::1`, `192.168.1.5`), for `CRM_TRUSTED_PROXIES`.
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    let bytes: [UInt8]
    let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let bytes = IPNetwork.parse(first) else { return nil }
        let bits = bytes.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...bits).contains(prefix) else { return nil }
            self.prefix = prefix
        } else {
            prefix = bits
        }
        self.bytes = bytes
    }

    public var description: String { "\(IPNetwork.format(bytes))/\(prefix)" }

    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var remaining = prefix
        for (mine, theirs) in zip(bytes, address) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if mine & mask != theirs & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// 4 or 16 bytes; an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is read as IPv4.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }

    static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: bytes.count, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}

/// Who is calling, for the login throttle: the socket peer, or — only when that peer is a trusted
/// proxy (`CRM_TRUSTED_PROXIES`) — the nearest address in `X-Forwarded-For` that is not one. A client
/// can therefore never pick its own address by sending the header.
enum ClientAddress {
    static func of(_ request: Request) -> String {
        guard let peerText = request.remoteAddress?.ipAddress, let peer = IPNetwork.parse(peerText) else { return "unknown" }
        let trusted = request.application.crmConfig.trustedProxies
        func isTrusted(_ address: [UInt8]) -> Bool { trusted.contains { $0.contains(address) } }
        guard isTrusted(peer) else { return IPNetwork.format(peer) }
        let forwarded = request.headers[.xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in forwarded.reversed() {
            guard let address = IPNetwork.parse(hop) else { break }  // garbage: stop trusting the chain
            if !isTrusted(address) { return IPNetwork.format(address) }
        }
        return IPNetwork.format(peer)
    }
}

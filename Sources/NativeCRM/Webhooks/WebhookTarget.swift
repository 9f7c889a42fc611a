#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOPosix

/// Where a webhook may send: an http(s) URL whose host resolves only to public addresses, or a host
/// listed in `CRM_WEBHOOK_ALLOW_HOSTS`. Checked when a hook is made or changed and again before every
/// attempt (a name may be pointed elsewhere later), so the CRM cannot be made to call its own
/// loopback, the clinic's private network, link-local or cloud metadata addresses.
struct WebhookTarget: Sendable {
    /// Hosts exempt from the address check, lower-cased (`CRM_WEBHOOK_ALLOW_HOSTS`).
    let allowHosts: Set<String>

    static let maxURLLength = 2_000

    enum Refusal: Error, Equatable {
        /// Not an absolute http(s) URL without credentials.
        case malformed(String)
        /// The host has no address.
        case unresolvable
        /// The host resolves to an address the CRM does not call.
        case privateAddress

        /// The failure as a delivery records it (never the host or the address).
        var kind: String {
            switch self {
            case .malformed: "bad-url"
            case .unresolvable: "unresolvable"
            case .privateAddress: "refused-address"
            }
        }

        var message: String {
            switch self {
            case let .malformed(why): why
            case .unresolvable: "the host does not resolve"
            case .privateAddress: "resolves to a loopback, private, link-local or metadata address; "
                + "such hosts must be listed in CRM_WEBHOOK_ALLOW_HOSTS"
            }
        }
    }

    /// The URL's host, if the URL is one a webhook may have (before any address check).
    static func host(of raw: String) throws(Refusal) -> String {
        guard raw.count <= maxURLLength else { throw .malformed("must be at most \(maxURLLength) characters") }
        guard let components = URLComponents(string: raw), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https" else { throw .malformed("must be an http or https URL") }
        guard let host = components.host, !host.isEmpty else { throw .malformed("must name a host") }
        guard components.user == nil, components.password == nil else {
            throw .malformed("must not carry a user or password (sign with the webhook's secret instead)")
        }
        if let port = components.port, !(1...65_535).contains(port) { throw .malformed("has an invalid port") }
        guard components.fragment == nil else { throw .malformed("must not have a fragment") }
        return host.lowercased()
    }

    /// Checks `raw` completely: its form, then (unless its host is allow-listed) every address its
    /// host resolves to. Blocking name resolution runs on NIO's thread pool.
    func check(_ raw: String) async throws(Refusal) {
        let host = try Self.host(of: raw)
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard !allowHosts.contains(host), !allowHosts.contains(bare) else { return }
        let addresses: [[UInt8]]
        do {
            addresses = try await NIOThreadPool.singleton.runIfActive { Self.resolve(bare) }
        } catch {
            throw .unresolvable
        }
        guard !addresses.isEmpty else { throw .unresolvable }
        guard addresses.allSatisfy(Self.isPublic) else { throw .privateAddress }
    }

    /// Every address of `host` (4 or 16 bytes each); empty when it does not resolve.
    static func resolve(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [[UInt8]] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let address = info.pointee.ai_addr {
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                        var raw = v4.pointee.sin_addr
                        addresses.append(withUnsafeBytes(of: &raw) { Array($0) })
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                        var raw = v6.pointee.sin6_addr
                        addresses.append(withUnsafeBytes(of: &raw) { Array($0) })
                    }
                default: break
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    /// Whether an address is on the public internet: not unspecified, loopback, private (RFC 1918,
    /// unique-local), shared (CGNAT), link-local (which holds the cloud metadata service), multicast,
    /// reserved or documentation space; IPv4 inside IPv6 (mapped, compatible, NAT64) is judged as IPv4.
    static func isPublic(_ address: [UInt8]) -> Bool {
        if address.count == 4 { return isPublicV4(address) }
        guard address.count == 16 else { return false }
        if address[0..<10].allSatisfy({ $0 == 0 }) && (address[10...11] == [0xFF, 0xFF] || address[10...11] == [0, 0]) {
            return isPublicV4(Array(address[12...]))   // ::ffff:a.b.c.d, ::a.b.c.d (also :: and ::1)
        }
        if address[0...11] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return isPublicV4(Array(address[12...])) }
        let first = address[0], second = address[1]
        if first & 0xFE == 0xFC { return false }                   // fc00::/7 unique local
        if first == 0xFE && second & 0xC0 == 0x80 { return false }  // fe80::/10 link-local
        if first == 0xFE && second & 0xC0 == 0xC0 { return false }  // fec0::/10 site-local (deprecated)
        if first == 0xFF { return false }                          // multicast
        if address[0...3] == [0x20, 0x01, 0x0D, 0xB8] { return false }  // documentation
        return true
    }

    private static func isPublicV4(_ a: [UInt8]) -> Bool {
        switch (a[0], a[1], a[2]) {
        case (0, _, _), (10, _, _), (127, _, _): false
        case (100, 64...127, _): false                 // shared address space (CGNAT)
        case (169, 254, _): false                      // link-local, cloud metadata (169.254.169.254)
        case (172, 16...31, _): false
        case (192, 0, 0), (192, 0, 2), (192, 168, _): false
        case (198, 18...19, _), (198, 51, 100), (203, 0, 113): false
        case (224...255, _, _): false                  // multicast, reserved, broadcast
        default: true
        }
    }
}

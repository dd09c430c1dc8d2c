import Foundation
import Hummingbird

#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `::1/128`; an address alone is the
/// network of just that address).
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    let bytes: [UInt8]
    let prefix: Int
    public let description: String

    /// Nil when `text` is not an address with an optional `/prefix` in range.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let bytes = Self.address(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...bits).contains(prefix), parts[1].allSatisfy(\.isASCII) else { return nil }
            self.prefix = prefix
        } else {
            prefix = bits
        }
        self.bytes = bytes
        description = text
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address (an IPv4-mapped IPv6 address gives its 4).
    static func address(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return Array(bytes.suffix(4)) }
        return bytes
    }

    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var left = prefix
        for (a, b) in zip(address, bytes) where left > 0 {
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if a & mask != b & mask { return false }
            left -= 8
        }
        return true
    }
}

/// Which client a request comes from when reverse proxies stand in front of the server: the
/// connection's peer, unless it is a trusted proxy; then the nearest address in `Forwarded`
/// (RFC 7239) or `X-Forwarded-For` that is not a trusted proxy itself, read from the right (the
/// entries on the left are whatever the client claimed, and a client can claim anything).
public struct TrustedProxies: Sendable {
    public let networks: [IPNetwork]

    public init(_ networks: [IPNetwork] = []) { self.networks = networks }

    func trusts(_ address: String) -> Bool {
        guard !networks.isEmpty, let bytes = IPNetwork.address(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client's address for `peer` (the connection's) and the request's headers.
    func client(peer: String, headers: HTTPFields) -> String {
        guard trusts(peer) else { return peer }
        let chain = Self.forwarded(headers) ?? Self.xForwardedFor(headers)
        var client = peer
        for hop in chain.reversed() {
            // A hop that is no address (`unknown`, an obfuscated name): the last proxy's word is all there is.
            guard IPNetwork.address(hop) != nil else { break }
            client = hop
            if !trusts(hop) { break }
        }
        return client
    }

    /// The `for=` addresses of every `Forwarded` element, in order; nil without the header.
    static func forwarded(_ headers: HTTPFields) -> [String]? {
        let values = Self.values(of: "forwarded", in: headers)
        guard !values.isEmpty else { return nil }
        var result: [String] = []
        for element in values.joined(separator: ",").split(separator: ",") {
            for pair in element.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "for" else { continue }
                result.append(
                    Self.host(parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))))
            }
        }
        return result
    }

    static func xForwardedFor(_ headers: HTTPFields) -> [String] {
        Self.values(of: "x-forwarded-for", in: headers).joined(separator: ",").split(separator: ",").map {
            host($0.trimmingCharacters(in: .whitespaces))
        }
    }

    /// Every value of the header named `name` (lower case), in order.
    static func values(of name: String, in headers: HTTPFields) -> [String] {
        headers.filter { $0.name.canonicalName == name }.map(\.value)
    }

    /// `[2001:db8::1]:4711` → `2001:db8::1`; `192.0.2.1:80` → `192.0.2.1`; anything else as it is.
    static func host(_ text: String) -> String {
        if text.hasPrefix("["), let end = text.firstIndex(of: "]") { return String(text[text.index(after: text.startIndex)..<end]) }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") { return String(text[..<colon]) }
        return text
    }
}

import Foundation

extension Sequence where Element == UInt8 {
    /// The bytes in lower-case hexadecimal, two digits a byte (hashes, ids, entity tags).
    public var hexDigits: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Entity-tag lists as the conditional headers carry them (RFC 9110 §13.1).
public enum EntityTags {
    /// The tags of a header's list (`"a", W/"b"`), or `*`.
    public static func list(_ header: String) -> [String] {
        header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// `If-Match`: `*` or the same strong tag (a weak tag never matches).
    public static func strongly(_ tags: [String], match tag: String) -> Bool {
        tags.contains("*") || tags.contains(tag)
    }

    /// `If-None-Match`: `*` or the same tag, weak or strong.
    public static func weakly(_ header: String, match tag: String) -> Bool {
        list(header).contains { $0 == "*" || $0 == tag || $0 == "W/" + tag }
    }
}

/// Secrets compared as a guesser cannot time.
public enum Secrets {
    /// Equal strings of equal length, compared without an early exit.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

/// `3 visits`, `1 visit`: a count and its noun (English plurals in -s).
public func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}

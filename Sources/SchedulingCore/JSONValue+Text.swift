import Foundation

/// The writer behind `JSONValue.text`: the bytes `JSONEncoder` writes for the same value with
/// `.sortedKeys` (and `.prettyPrinted`, `.withoutEscapingSlashes` as asked), written directly:
/// the generic encoder walks every value through its containers, and a publish writes the plan
/// and a notice body per visit (`JSONValueTests` holds the two to the same bytes).
struct JSONTextWriter {
    let pretty: Bool
    let escapingSlashes: Bool
    private(set) var bytes: [UInt8] = []

    init(pretty: Bool, escapingSlashes: Bool) {
        self.pretty = pretty
        self.escapingSlashes = escapingSlashes
        bytes.reserveCapacity(256)
    }

    /// Writes `value`; false when it holds a number JSON cannot write (not finite).
    mutating func write(_ value: JSONValue, depth: Int = 0) -> Bool {
        switch value {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): bytes.append(contentsOf: String(number).utf8)
        case .unsigned(let number): bytes.append(contentsOf: String(number).utf8)
        case .double(let number):
            // Rare in a document: the encoder's own text for it (shortest form, `1e+20`, `-0`).
            guard number.isFinite, let text = try? JSONEncoder().encode(number) else { return false }
            bytes.append(contentsOf: text)
        case .string(let text): write(text)
        case .array(let items):
            return container(UInt8(ascii: "["), UInt8(ascii: "]"), count: items.count, depth: depth) { writer, index in
                writer.write(items[index], depth: depth + 1)
            }
        case .object(let members):
            // The encoder's order: by the keys' code points.
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            return container(UInt8(ascii: "{"), UInt8(ascii: "}"), count: sorted.count, depth: depth) { writer, index in
                writer.write(sorted[index].key)
                writer.bytes.append(contentsOf: writer.pretty ? Array(" : ".utf8) : [UInt8(ascii: ":")])
                return writer.write(sorted[index].value, depth: depth + 1)
            }
        }
        return true
    }

    /// An array or an object: `count` items, each written by `item`, comma-separated; pretty, one
    /// an indented line (an empty one as two newlines, as the encoder writes it).
    private mutating func container(
        _ open: UInt8, _ close: UInt8, count: Int, depth: Int, _ item: (inout JSONTextWriter, Int) -> Bool
    ) -> Bool {
        bytes.append(open)
        if count == 0 {
            if pretty {
                bytes.append(contentsOf: [10, 10])
                indent(depth)
            }
        } else {
            for index in 0..<count {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                if pretty { newline(depth + 1) }
                guard item(&self, index) else { return false }
            }
            if pretty { newline(depth) }
        }
        bytes.append(close)
        return true
    }

    private mutating func newline(_ depth: Int) {
        bytes.append(10)
        indent(depth)
    }

    private mutating func indent(_ depth: Int) {
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private mutating func write(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, byte])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
            case UInt8(ascii: "/") where escapingSlashes: bytes.append(contentsOf: [92, byte])
            case 0x08: bytes.append(contentsOf: [92, UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [92, UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(contentsOf: [Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 15)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

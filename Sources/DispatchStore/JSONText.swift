import Foundation
import SchedulingCore

/// Lists and small maps are stored as JSON text (jsonb in PostgreSQL); this encodes them
/// deterministically (sorted keys) so an unchanged value compares equal on re-import.
enum JSONText {
    static func encode(_ strings: [String]) -> String {
        strings.json.text(escapingSlashes: true)
    }

    static func encode(_ map: [String: Int]) -> String {
        map.json.text(escapingSlashes: true)
    }

    /// The day's traffic parts as `[{"start": "07:00", "end": "09:30", "factor": 1.6}, …]`.
    static func encode(_ parts: [DayPart]) -> String {
        JSONValue.array(
            parts.map { ["start": $0.start.description.json, "end": $0.end.description.json, "factor": $0.factor.json] }
        ).text(escapingSlashes: true)
    }

    /// Read with the column's own type (every order row has two lists: no general JSON value).
    private static func parse<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }

    private struct StoredPart: Decodable {
        let start: String
        let end: String
        let factor: Double
    }

    static func dayParts(_ text: String, column: String) throws -> [DayPart] {
        guard let array = parse([StoredPart].self, text) else {
            throw StoreError(.corruptValue, "\(column) is not a JSON list of day parts {start, end, factor}: \(text.prefix(60))")
        }
        return try array.map { item in
            guard let start = LocalTime(hhmm: item.start), let end = LocalTime(hhmm: item.end), item.factor > 0, start < end else {
                throw StoreError(
                    .corruptValue, "\(column) holds a part that is not {start, end, factor}: \(item.start)–\(item.end) × \(item.factor)")
            }
            return DayPart(start: start, end: end, factor: item.factor)
        }
    }

    static func strings(_ text: String, column: String) throws -> [String] {
        if let plain = plainList(text) { return plain }
        guard let array = parse([String].self, text) else {
            throw StoreError(.corruptValue, "\(column) is not a JSON list of text: \(text.prefix(60))")
        }
        return array
    }

    static func intMap(_ text: String, column: String) throws -> [String: Int] {
        guard let object = parse([String: Int].self, text) else {
            throw StoreError(.corruptValue, "\(column) is not a JSON object of whole numbers: \(text.prefix(60))")
        }
        return object
    }

    /// A list of texts without escapes, as this program stores skills and territories
    /// (`["fiber","phone"]`; PostgreSQL's jsonb prints `["fiber", "phone"]`), read without a JSON
    /// parser: every order row has two. Anything else (an escape, another shape) is nil and goes to
    /// the decoder.
    static func plainList(_ text: String) -> [String]? {
        let quote = UInt8(ascii: "\"")
        let space = UInt8(ascii: " ")
        var result: [String] = []
        var bytes = text.utf8[...]
        func skipSpaces() { while bytes.first == space { bytes.removeFirst() } }
        guard bytes.popFirst() == UInt8(ascii: "[") else { return nil }
        skipSpaces()
        if bytes.first == UInt8(ascii: "]") {
            bytes.removeFirst()
            return bytes.isEmpty ? result : nil
        }
        while true {
            guard bytes.popFirst() == quote, let end = bytes.firstIndex(of: quote) else { return nil }
            let item = bytes[..<end]
            // An escape or a control character: the decoder reads it.
            guard !item.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else { return nil }
            result.append(String(decoding: item, as: UTF8.self))
            bytes = bytes[bytes.index(after: end)...]
            skipSpaces()
            switch bytes.popFirst() {
            case UInt8(ascii: ","): skipSpaces()
            case UInt8(ascii: "]"): return bytes.isEmpty ? result : nil
            default: return nil
            }
        }
    }
}

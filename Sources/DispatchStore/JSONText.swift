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
}

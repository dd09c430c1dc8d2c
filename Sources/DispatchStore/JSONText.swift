import Foundation
import SchedulingCore

/// Lists and small maps are stored as JSON text (jsonb in PostgreSQL); this encodes them
/// deterministically (sorted keys) so an unchanged value compares equal on re-import.
enum JSONText {
    static func encode(_ strings: [String]) -> String {
        encodeObject(strings)
    }

    static func encode(_ map: [String: Int]) -> String {
        encodeObject(map)
    }

    /// The day's traffic parts as `[{"start": "07:00", "end": "09:30", "factor": 1.6}, …]`.
    static func encode(_ parts: [DayPart]) -> String {
        encodeObject(parts.map { ["start": $0.start.description, "end": $0.end.description, "factor": $0.factor] as [String: Any] })
    }

    static func dayParts(_ text: String, column: String) throws -> [DayPart] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
            throw StoreError(.corruptValue, "\(column) is not a JSON list of day parts: \(text.prefix(60))")
        }
        return try array.map { item in
            guard let start = (item["start"] as? String).flatMap(LocalTime.init(hhmm:)),
                let end = (item["end"] as? String).flatMap(LocalTime.init(hhmm:)),
                let factor = (item["factor"] as? NSNumber)?.doubleValue, factor > 0, start < end
            else {
                throw StoreError(.corruptValue, "\(column) holds a part that is not {start, end, factor}: \(item)")
            }
            return DayPart(start: start, end: end, factor: factor)
        }
    }

    private static func encodeObject(_ object: Any) -> String {
        // Only arrays of strings, string-to-int maps and day parts reach here, which always serialise.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func strings(_ text: String, column: String) throws -> [String] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] else {
            throw StoreError(.corruptValue, "\(column) is not a JSON list of text: \(text.prefix(60))")
        }
        return array
    }

    static func intMap(_ text: String, column: String) throws -> [String: Int] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw StoreError(.corruptValue, "\(column) is not a JSON object: \(text.prefix(60))")
        }
        var result: [String: Int] = [:]
        for (key, value) in object {
            guard let number = value as? NSNumber else {
                throw StoreError(.corruptValue, "\(column).\(key) is not a number")
            }
            result[key] = number.intValue
        }
        return result
    }
}

import Foundation

/// Lists and small maps are stored as JSON text (jsonb in PostgreSQL); this encodes them
/// deterministically (sorted keys) so an unchanged value compares equal on re-import.
enum JSONText {
    static func encode(_ strings: [String]) -> String {
        encodeObject(strings)
    }

    static func encode(_ map: [String: Int]) -> String {
        encodeObject(map)
    }

    private static func encodeObject(_ object: Any) -> String {
        // Only arrays of strings and string-to-int maps reach here, which always serialise.
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

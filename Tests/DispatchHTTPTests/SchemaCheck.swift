import Foundation

/// The part of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that openapi.yaml uses: `$ref`,
/// `type` (one or a list), `enum`, `required`, `properties`, `additionalProperties` (false or a
/// schema), `items` and `oneOf`. Formats and patterns are not checked.
struct SchemaCheck {
    let document: [String: Any]

    func errors(_ value: Any, _ schema: [String: Any], path: String) -> [String] {
        if let ref = schema["$ref"] as? String {
            var node: Any? = document
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            guard let target = node as? [String: Any] else { return ["\(path): unresolved \(ref)"] }
            return errors(value, target, path: path)
        }
        if let options = schema["oneOf"] as? [[String: Any]] {
            let matching = options.filter { errors(value, $0, path: path).isEmpty }.count
            return matching == 1 ? [] : ["\(path): matches \(matching) of the oneOf schemas"]
        }
        var found: [String] = []
        if let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map({ [$0] }),
            !types.contains(where: { holds(value, $0) })
        {
            return ["\(path): \(describe(value)) is not \(types.joined(separator: " or "))"]
        }
        if let choices = schema["enum"] as? [Any], !choices.contains(where: { "\($0)" == "\(value)" }) {
            found.append("\(path): \(value) is not one of \(choices)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { found.append("\(path): '\(key)' is missing") }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, item) in object {
                if let property = properties[key] as? [String: Any] {
                    found += errors(item, property, path: "\(path).\(key)")
                } else if schema["additionalProperties"] as? Bool == false {
                    found.append("\(path): '\(key)' is not in the schema")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    found += errors(item, extra, path: "\(path).\(key)")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { found += errors(item, items, path: "\(path)[\(index)]") }
        }
        return found
    }

    private func holds(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return isBoolean(value)
        case "integer": return !isBoolean(value) && (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } == true
        case "number": return !isBoolean(value) && value is NSNumber
        default: return false
        }
    }

    /// JSONSerialization gives booleans as NSNumber; tell them from numbers by their type.
    private func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c" || type(of: value) == Bool.self
    }

    private func describe(_ value: Any) -> String { "\(type(of: value)) \(value)" }
}

import Foundation

/// A JSON document as a typed value: what the printed documents (plan JSON, `--format json`,
/// notice bodies, problem documents) are built from and what free-form stored JSON (event
/// details, a notice's body) is read into. Written as `JSONEncoder` writes it, so a document's bytes
/// are those `JSONSerialization` wrote before (numbers as the shortest text that reads back the same).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// An unsigned 64-bit number (a seed) that may not fit `Int`.
    case unsigned(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Reads a JSON document (any value at the top).
    public init(parsing data: Data) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// The document as text: keys sorted (the same value is always the same bytes), indented when
    /// `pretty`; `/` written as `\/` when `escapingSlashes` (as stored values always were).
    public func text(pretty: Bool = false, escapingSlashes: Bool = false) -> String {
        var writer = JSONTextWriter(pretty: pretty, escapingSlashes: escapingSlashes)
        // Only a non-finite double cannot be written; none is ever put in a document.
        guard writer.write(self) else { return "null" }
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A number as an integer (a fraction is dropped, as JSON readers do for counts).
    public var int: Int? {
        switch self {
        case .int(let value): return value
        case .unsigned(let value): return Int(exactly: value)
        case .double(let value) where value.isFinite && abs(value) < 9e18: return Int(value)
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .unsigned(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    public var array: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var object: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// A list of texts, or nil when it is not a list or holds anything else.
    public var strings: [String]? {
        guard let items = array else { return nil }
        let texts = items.compactMap(\.string)
        return texts.count == items.count ? texts : nil
    }
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Text first, the commonest; each failed try costs an error value.
        if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(UInt64.self) {
            self = .unsigned(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .unsigned(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(members)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// A value with a JSON form: `value.json` inside a document being built.
public protocol JSONRepresentable {
    var json: JSONValue { get }
}

extension JSONValue: JSONRepresentable {
    public var json: JSONValue { self }
}

extension String: JSONRepresentable {
    public var json: JSONValue { .string(self) }
}

extension Int: JSONRepresentable {
    public var json: JSONValue { .int(self) }
}

extension UInt64: JSONRepresentable {
    public var json: JSONValue { .unsigned(self) }
}

extension Double: JSONRepresentable {
    public var json: JSONValue { .double(self) }
}

extension Bool: JSONRepresentable {
    public var json: JSONValue { .bool(self) }
}

extension Array: JSONRepresentable where Element: JSONRepresentable {
    public var json: JSONValue { .array(map(\.json)) }
}

extension Dictionary: JSONRepresentable where Key == String, Value: JSONRepresentable {
    public var json: JSONValue { .object(mapValues(\.json)) }
}

/// nil is JSON's null.
extension Optional: JSONRepresentable where Wrapped: JSONRepresentable {
    public var json: JSONValue { map(\.json) ?? .null }
}

/// An amount as a JSON number in the currency's units (`120`, `120.5`): cents over 100 is the
/// double nearest the decimal, whose shortest text is that decimal.
extension Money: JSONRepresentable {
    public var json: JSONValue { .double(Double(cents) / 100) }
}

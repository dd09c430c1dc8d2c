import SchedulingCore
import Yams

/// Collects problems while the loader walks the YAML tree, so one run reports all of them.
final class Diagnostics {
    /// Problems kept to be listed; past that they are only counted (a file with a million bad
    /// orders must not fill memory or the terminal).
    static let limit = 1000

    let file: String
    private(set) var problems: [ScenarioProblem] = []
    private(set) var omitted = 0
    /// Lines of the file before the text being parsed now (a streamed batch of orders starts
    /// part-way through the file); added to every line a node reports.
    var lineOffset = 0
    /// Characters of the file before the text being parsed now on its first line (a batch of a
    /// JSON file written on one line starts far along it); added to the columns of that line.
    var firstLineColumnOffset = 0

    init(file: String) { self.file = file }

    var isEmpty: Bool { problems.isEmpty }

    /// The line of `node` in the file.
    func line(of node: Node?) -> Int? { node?.mark.map { $0.line + lineOffset } }

    /// The column of a position in the text being parsed, in the file.
    func column(line: Int, column: Int) -> Int { line == 1 ? column + firstLineColumnOffset : column }

    func report(_ node: Node?, _ field: String, _ message: String) {
        report(line: line(of: node), column: node?.mark.map { column(line: $0.line, column: $0.column) }, field, message)
    }

    func report(line: Int?, column: Int? = nil, _ field: String, _ message: String) {
        guard problems.count < Self.limit else {
            omitted += 1
            return
        }
        problems.append(ScenarioProblem(file: file, line: line, column: column, field: field, message: message))
    }

    /// Rewrites the columns of the problems found so far (`map(line, column)`).
    func remapColumns(_ map: (Int, Int) -> Int) {
        for index in problems.indices {
            guard let line = problems[index].line, let column = problems[index].column else { continue }
            problems[index].column = map(line, column)
        }
    }

    /// What was found so far, to go back to with `restore`.
    var snapshot: (problems: [ScenarioProblem], omitted: Int) { (problems, omitted) }

    func restore(_ snapshot: (problems: [ScenarioProblem], omitted: Int)) {
        (problems, omitted) = snapshot
        lineOffset = 0
        firstLineColumnOffset = 0
    }

    /// Everything found, in file order, with a last line counting what was left out.
    func rejection() -> ScenarioRejected {
        var listed = problems.sorted { ($0.line ?? 0, $0.column ?? 0) < ($1.line ?? 0, $1.column ?? 0) }
        if omitted > 0 {
            listed.append(
                ScenarioProblem(
                    file: file, line: nil, column: nil, field: "",
                    message: "and \(omitted) more problems (only the first \(Self.limit) are listed)"))
        }
        return ScenarioRejected(problems: listed)
    }
}

/// A YAML mapping whose keys were checked against the allowed set, read field by field.
///
/// Every getter reports a problem and returns nil when the value is missing (and required)
/// or has the wrong type, so callers can carry on and find further problems.
struct FieldReader {
    let node: Node
    let path: String
    let values: [String: Node]
    let keyNodes: [String: Node]
    let diagnostics: Diagnostics

    /// Reads `node` as a mapping with only `allowed` keys; nil (and a problem) when it is not a mapping.
    init?(_ node: Node, path: String, allowed: Set<String>, _ diagnostics: Diagnostics) {
        guard case .mapping(let mapping) = node else {
            diagnostics.report(node, path, "expected a mapping of keys to values, found \(node.kindDescription)")
            return nil
        }
        var values: [String: Node] = [:]
        var keyNodes: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                diagnostics.report(key, path, "keys must be plain names")
                continue
            }
            let child = path.isEmpty ? name : "\(path).\(name)"
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                diagnostics.report(key, child, "unknown key '\(name)' (allowed here: \(known))")
                continue
            }
            values[name] = value
            keyNodes[name] = key
        }
        self.node = node
        self.path = path
        self.values = values
        self.keyNodes = keyNodes
        self.diagnostics = diagnostics
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value for `key`, treating an explicit YAML null as absent.
    func value(_ key: String, required: Bool = false) -> Node? {
        guard let value = values[key], !value.isNull else {
            if required { diagnostics.report(values[key] ?? node, fieldPath(key), "is required") }
            return nil
        }
        return value
    }

    func isExplicitNull(_ key: String) -> Bool { values[key]?.isNull == true }

    func string(_ key: String, required: Bool = false) -> String? {
        guard let value = value(key, required: required) else { return nil }
        guard case .scalar(let scalar) = value else {
            diagnostics.report(value, fieldPath(key), "expected text, found \(value.kindDescription)")
            return nil
        }
        if scalar.string.isEmpty {
            diagnostics.report(value, fieldPath(key), "must not be empty")
            return nil
        }
        let limit = Self.isIdentifier(key) ? InputLimits.idLength : InputLimits.textLength
        if scalar.string.count > limit {
            diagnostics.report(value, fieldPath(key), "is \(scalar.string.count) characters long; at most \(limit) are accepted")
            return nil
        }
        return scalar.string
    }

    /// Keys whose values are ids (shorter limit): `id` and the references to other records.
    static func isIdentifier(_ key: String) -> Bool {
        ["id", "crew", "technician", "group", "territory"].contains(key)
    }

    func int(_ key: String, required: Bool = false, range: ClosedRange<Int>? = nil) -> Int? {
        guard let value = value(key, required: required) else { return nil }
        guard value.scalar != nil, value.isTagged(.int), let number = value.int else {
            diagnostics.report(value, fieldPath(key), "expected a whole number, found \(value.valueDescription)")
            return nil
        }
        if let range, !range.contains(number) {
            diagnostics.report(value, fieldPath(key), "\(number) is out of range \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return number
    }

    func double(_ key: String, required: Bool = false, range: ClosedRange<Double>? = nil) -> Double? {
        guard let value = value(key, required: required) else { return nil }
        guard value.scalar != nil, value.isTagged(.int) || value.isTagged(.float),
            let number = value.float, number.isFinite
        else {
            diagnostics.report(value, fieldPath(key), "expected a number, found \(value.valueDescription)")
            return nil
        }
        if let range, !range.contains(number) {
            diagnostics.report(value, fieldPath(key), "\(number) is out of range \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return number
    }

    func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        guard value.scalar != nil, value.isTagged(.bool), let flag = value.bool else {
            diagnostics.report(value, fieldPath(key), "expected true or false, found \(value.valueDescription)")
            return nil
        }
        return flag
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, required: Bool = false, as: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(key, required: required) else { return nil }
        return Self.parseChoice(text, T.self, node: values[key], field: fieldPath(key), diagnostics)
    }

    static func parseChoice<T: RawRepresentable & CaseIterable>(
        _ text: String, _ type: T.Type, node: Node?, field: String, _ diagnostics: Diagnostics
    ) -> T? where T.RawValue == String {
        if let value = T(rawValue: text) { return value }
        let options = T.allCases.map(\.rawValue).joined(separator: ", ")
        diagnostics.report(node, field, "'\(text)' is not one of: \(options)")
        return nil
    }

    /// A list of texts; a single text is not accepted in its place, to catch `skills: broadband`.
    func strings(_ key: String) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .sequence(let sequence) = value else {
            diagnostics.report(value, fieldPath(key), "expected a list, found \(value.valueDescription)")
            return nil
        }
        var result: [String] = []
        for (index, item) in sequence.enumerated() {
            guard let text = item.scalar?.string, !item.isNull, !text.isEmpty else {
                diagnostics.report(item, "\(fieldPath(key))[\(index)]", "expected text, found \(item.valueDescription)")
                return nil
            }
            guard text.count <= InputLimits.idLength else {
                diagnostics.report(
                    item, "\(fieldPath(key))[\(index)]", "is \(text.count) characters long; at most \(InputLimits.idLength) are accepted")
                return nil
            }
            result.append(text)
        }
        return result
    }

    func choices<T: RawRepresentable & CaseIterable>(_ key: String, as: T.Type) -> [T]? where T.RawValue == String {
        guard let texts = strings(key), case .sequence(let sequence)? = values[key] else { return nil }
        var result: [T] = []
        for (index, text) in texts.enumerated() {
            guard let value = Self.parseChoice(text, T.self, node: sequence[index], field: "\(fieldPath(key))[\(index)]", diagnostics)
            else { return nil }
            result.append(value)
        }
        return result
    }

    func date(_ key: String, required: Bool = false) -> LocalDate? {
        guard let text = string(key, required: required) else { return nil }
        guard let date = LocalDate(iso: text) else {
            diagnostics.report(values[key], fieldPath(key), "'\(text)' is not a valid date of the form YYYY-MM-DD")
            return nil
        }
        return date
    }

    func time(_ key: String, required: Bool = false) -> LocalTime? {
        guard let text = string(key, required: required) else { return nil }
        guard let time = LocalTime(hhmm: text) else {
            diagnostics.report(values[key], fieldPath(key), "'\(text)' is not a time of day of the form HH:MM (quote it in YAML)")
            return nil
        }
        return time
    }

    /// An RFC 3339 date-time whose offset must be `Z` or the scenario zone's offset at that moment.
    func instant(_ key: String, required: Bool = false, zone: ServiceTimeZone?) -> Instant? {
        guard let text = string(key, required: required) else { return nil }
        guard let instant = parseRFC3339(text) else {
            diagnostics.report(
                values[key], fieldPath(key),
                "'\(text)' is not a date-time with a UTC offset, e.g. 2026-11-23T09:00:00+08:00")
            return nil
        }
        if let zone, !text.hasSuffix("Z"), !text.hasSuffix("z") {
            let expected = zone.rfc3339(instant).suffix(6)
            if text.suffix(6) != expected {
                diagnostics.report(
                    values[key], fieldPath(key),
                    "offset \(text.suffix(6)) does not match time zone \(zone.identifier) (\(expected) at that time)")
                return nil
            }
        }
        return instant
    }

    func object(_ key: String, required: Bool = false, allowed: Set<String>) -> FieldReader? {
        guard let value = value(key, required: required) else { return nil }
        return FieldReader(value, path: fieldPath(key), allowed: allowed, diagnostics)
    }

    /// Each item of a list of mappings, with its index.
    func list(_ key: String) -> [(index: Int, node: Node)] {
        guard let value = value(key) else { return [] }
        guard case .sequence(let sequence) = value else {
            diagnostics.report(value, fieldPath(key), "expected a list, found \(value.valueDescription)")
            return []
        }
        return sequence.enumerated().map { ($0.offset, $0.element) }
    }

    /// A latitude/longitude mapping with the given extra keys.
    func point(_ key: String, required: Bool = false, extra: Set<String> = []) -> (GeoPoint, FieldReader)? {
        guard let reader = object(key, required: required, allowed: Set(["lat", "lon"]).union(extra)) else { return nil }
        guard let lat = reader.double("lat", required: true, range: -90...90),
            let lon = reader.double("lon", required: true, range: -180...180)
        else { return nil }
        return (GeoPoint(latitude: lat, longitude: lon), reader)
    }
}

extension Node {
    /// The tag the YAML resolver gave this node (`60` is int, `"60"` is str).
    func isTagged(_ name: Tag.Name) -> Bool { tag.rawValue == name.rawValue }

    var isNull: Bool { scalar != nil && isTagged(.null) }

    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar: return isNull ? "null" : "a value"
        }
    }

    /// The scalar's text for messages, else its kind.
    var valueDescription: String {
        if case .scalar(let scalar) = self, !isNull { return "'\(scalar.string)'" }
        return kindDescription
    }
}

import Foundation
import SchedulingCore
import Yams

/// Reads a scenario file (docs/formats.md) into a validated `Scenario`.
///
/// YAML 1.2 and JSON are both accepted. Every problem is collected and reported together,
/// each naming the file, line and field; a file with any problem yields no scenario at all.
public enum ScenarioLoader {
    /// Loads the file at `path`; throws `ScenarioRejected` listing every problem.
    public static func load(path: String) throws -> Scenario {
        let text: String
        do {
            if let problem = ByteSource.notAFile(path) { throw ReadFailure(reason: problem) }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ScenarioRejected(problems: [
                    ScenarioProblem(file: path, line: nil, column: nil, field: "", message: "the file is not UTF-8 text")
                ])
            }
            text = decoded
        } catch let rejected as ScenarioRejected {
            throw rejected
        } catch {
            throw ScenarioRejected(problems: [
                ScenarioProblem(
                    file: path, line: nil, column: nil, field: "",
                    message: "cannot read the file (\((error as? ReadFailure)?.reason ?? Self.reason(error)))")
            ])
        }
        return try parse(text, file: path)
    }

    /// Parses scenario text; `file` names it in problems.
    public static func parse(_ text: String, file: String) throws -> Scenario {
        let diagnostics = Diagnostics(file: file)
        guard let root = try compose(text, file: file) else {
            throw ScenarioRejected(problems: [
                ScenarioProblem(file: file, line: 1, column: 1, field: "", message: "the file is empty")
            ])
        }
        var builder = ScenarioBuilder(diagnostics)
        let scenario = builder.build(root)
        guard diagnostics.isEmpty, let scenario else { throw diagnostics.rejection() }
        return scenario
    }

    /// One order sent on its own (an order system's `PUT /v1/orders/{id}`): the object an
    /// `orders:` list holds, checked by the same code as a file's orders, plus the keys of `extra`
    /// (read by the caller: `day`). Problems name the field as `orders.window.end`. `technicians`
    /// are the ids a pin may name; `partners` gives the stored orders of a group, which the order
    /// is held to as to earlier orders of a file (one address, one customer).
    public static func parseOrder(
        _ text: String, file: String, path: String = "orders", zone: ServiceTimeZone, technicians: Set<String>, extra: Set<String>,
        partners: (String) throws -> [WorkOrder]
    ) throws -> (order: WorkOrder, extra: [String: String]) {
        let diagnostics = Diagnostics(file: file)
        guard let root = try compose(text, file: file), let mapping = root.mapping else {
            throw ScenarioRejected(problems: [
                ScenarioProblem(file: file, line: 1, column: 1, field: "", message: "the body is not one order (a JSON object)")
            ])
        }
        var values: [String: String] = [:]
        var rest: [(Node, Node)] = []
        for (key, value) in mapping {
            if let name = key.string, extra.contains(name) {
                if let text = value.string { values[name] = text } else { diagnostics.report(value, "\(path).\(name)", "must be text") }
            } else {
                rest.append((key, value))
            }
        }
        let node = Node.mapping(Node.Mapping(rest, mapping.tag, mapping.style, mapping.mark))
        var builder = ScenarioBuilder(diagnostics)
        builder.zone = zone
        let parsed = builder.readOrder(node, index: 0, path: path)
        var checks = OrderChecks(diagnostics: diagnostics, technicianIDs: technicians)
        if let group = parsed?.value.group {
            for partner in try partners(group) where partner.id != parsed?.value.id { checks.remember(stored: partner) }
        }
        checks.check(index: 0, node: node, parsed: parsed, path: path)
        guard diagnostics.isEmpty, let order = parsed?.value else { throw diagnostics.rejection() }
        return (order, values)
    }

    /// The text's YAML tree (nil when empty); text that is not YAML is rejected with where.
    static func compose(_ text: String, file: String) throws -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch {
            throw ScenarioRejected(problems: [yamlProblem(error, file: file)])
        }
    }

    static func yamlProblem(_ error: Error, file: String) -> ScenarioProblem {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                .composer(_, let problem, let mark, _):
                return ScenarioProblem(
                    file: file, line: mark.line, column: mark.column, field: "",
                    message: "not valid YAML: \(problem)")
            case .reader(let problem, let offset, let value, _):
                // Never the text itself: a file that is no scenario (/proc/self/environ) holds secrets.
                return ScenarioProblem(
                    file: file, line: nil, column: nil, field: "",
                    message: "not valid YAML: \(problem)\(offset.map { " at byte \($0)" } ?? "") (character code \(value))")
            case .duplicatedKeysInMapping(let duplicates, let context):
                return ScenarioProblem(
                    file: file, line: context.mark.line, column: context.mark.column, field: "",
                    message: "duplicate key \(duplicates.sorted().joined(separator: ", ")) in one mapping")
            default:
                break
            }
        }
        return ScenarioProblem(file: file, line: nil, column: nil, field: "", message: "not valid YAML")
    }

    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}

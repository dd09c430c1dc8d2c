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
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ScenarioRejected(problems: [yamlProblem(error, file: file)])
        }
        guard let root else {
            throw ScenarioRejected(problems: [
                ScenarioProblem(file: file, line: 1, column: 1, field: "", message: "the file is empty")
            ])
        }
        var builder = ScenarioBuilder(diagnostics)
        let scenario = builder.build(root)
        guard diagnostics.isEmpty, let scenario else { throw diagnostics.rejection() }
        return scenario
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

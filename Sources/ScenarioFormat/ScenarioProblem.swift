/// One thing wrong with a scenario file, located precisely enough to fix it.
public struct ScenarioProblem: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil when the problem has no place in the text (e.g. an unreadable file).
    public var line: Int?
    public var column: Int?
    /// Dotted path of the field, e.g. `orders[2].window.end`; empty for the document itself.
    public var field: String
    public var message: String

    public init(file: String, line: Int?, column: Int?, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `scenarios/x.yaml:12:5: orders[2].window.end: the window ends before it starts`
    public var description: String {
        var place = file
        if let line { place += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        return field.isEmpty ? "\(place): \(message)" : "\(place): \(field): \(message)"
    }
}

/// A scenario file that cannot be used, with every problem found in it.
public struct ScenarioRejected: Error, Sendable, CustomStringConvertible {
    public var problems: [ScenarioProblem]

    public init(problems: [ScenarioProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

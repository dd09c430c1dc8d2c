/// A database failure described by what failed, where, and why. Never contains a password.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The database location could not be understood.
        case configuration
        /// Could not open or reach the database.
        case connection
        /// The schema is missing migrations this program needs.
        case notMigrated
        /// A CHECK, foreign key, unique or exclusion constraint refused the data.
        case constraint(name: String?)
        /// Another writer changed what this one was based on (e.g. a newer plan version).
        case conflict
        /// Any other error reported by the database.
        case database
        /// A stored value could not be turned back into the model.
        case corruptValue
    }

    public var kind: Kind
    public var message: String
    /// The statement that failed, first line only, for context.
    public var statement: String?

    public init(_ kind: Kind, _ message: String, statement: String? = nil) {
        self.kind = kind
        self.message = message
        self.statement = statement.map { Self.summarise($0) }
    }

    public var description: String {
        guard let statement else { return message }
        return "\(message) (in: \(statement))"
    }

    static func summarise(_ sql: String) -> String {
        let line = sql.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return line.count > 80 ? String(line.prefix(77)) + "..." : line
    }
}

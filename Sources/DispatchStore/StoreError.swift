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
        /// The database gave up on this transaction because of a concurrent one (a deadlock,
        /// a serialization failure, a busy SQLite file); running the whole transaction again is
        /// safe and usually succeeds. The application layer retries it a bounded number of times.
        case retryable
        /// Any other error reported by the database.
        case database
        /// A stored value could not be turned back into the model.
        case corruptValue
    }

    public var kind: Kind
    public var message: String
    /// The statement that failed, first line only, for context.
    public var statement: String?
    /// The database's own error code: PostgreSQL's SQLSTATE (`40P01`), SQLite's extended result
    /// code as a number; nil for errors this program raised itself.
    public var sqlState: String?

    public init(_ kind: Kind, _ message: String, statement: String? = nil, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.statement = statement.map { Self.summarise($0) }
        self.sqlState = sqlState
    }

    /// PostgreSQL SQLSTATEs after which the whole transaction may simply run again:
    /// serialization_failure, deadlock_detected, lock_not_available.
    public static let retryableSQLStates: Set<String> = ["40001", "40P01", "55P03"]

    public var description: String {
        guard let statement else { return message }
        return "\(message) (in: \(statement))"
    }

    static func summarise(_ sql: String) -> String {
        let line = sql.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return line.count > 80 ? String(line.prefix(77)) + "..." : line
    }
}

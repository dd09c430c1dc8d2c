import DispatchSchema

/// A value bound to a statement parameter or read from a result column.
public enum SQLValue: Hashable, Sendable {
    case null
    case integer(Int)
    case real(Double)
    case text(String)
}

/// One result row. Adapters may deliver numbers as text (libpq's text protocol); the getters accept both.
public struct SQLRow: Sendable {
    public let values: [SQLValue]

    public init(_ values: [SQLValue]) { self.values = values }

    public func isNull(_ column: Int) -> Bool { values[column] == .null }

    public func text(_ column: Int) throws -> String {
        guard let value = optionalText(column) else { throw missing(column) }
        return value
    }

    public func optionalText(_ column: Int) -> String? {
        switch values[column] {
        case .null: return nil
        case .text(let text): return text
        case .integer(let number): return String(number)
        case .real(let number): return String(number)
        }
    }

    public func int(_ column: Int) throws -> Int {
        guard let value = try optionalInt(column) else { throw missing(column) }
        return value
    }

    public func optionalInt(_ column: Int) throws -> Int? {
        switch values[column] {
        case .null: return nil
        case .integer(let number): return number
        case .real(let number) where number == number.rounded(): return Int(number)
        case .text(let text): if let number = Int(text) { return number }
        default: break
        }
        throw StoreError(.corruptValue, "column \(column) holds \(values[column]), not a whole number")
    }

    public func double(_ column: Int) throws -> Double {
        switch values[column] {
        case .integer(let number): return Double(number)
        case .real(let number): return number
        case .text(let text): if let number = Double(text) { return number }
        case .null: break
        }
        throw StoreError(.corruptValue, "column \(column) holds \(values[column]), not a number")
    }

    private func missing(_ column: Int) -> StoreError {
        StoreError(.corruptValue, "column \(column) is unexpectedly NULL")
    }
}

/// What differs between the SQL the two backends speak; the shared store code asks this.
public struct SQLDialect: Sendable {
    public let backend: String
    /// Starts a write transaction that takes its locks at once.
    public let beginTransaction: String
    /// Starts a transaction that only reads (a consistent snapshot, no write lock).
    public let beginReadTransaction: String
    /// Placeholder for an instant bound as epoch seconds.
    public let instantParameter: String
    /// Expression reading an instant column back as epoch seconds.
    public let instantColumn: @Sendable (String) -> String
    /// Expression reading a local date column back as `YYYY-MM-DD` text.
    public let dateColumn: @Sendable (String) -> String
    /// Null-safe inequality operator.
    public let isDistinctFrom: String
    /// Statement serialising concurrent migrators inside the migration transaction, if needed.
    public let migrationLock: String?
    /// Query with one parameter, a table name, returning a row when that table exists.
    public let tableExists: String
    public let migrations: [SchemaMigration]
    /// Appended to a SELECT to lock the rows it reads until the transaction ends (empty where
    /// a write transaction already holds the whole database).
    public let lockRows: String
    /// Appended to a SELECT that claims one queued row: locks it and skips rows other
    /// transactions hold (empty where a write transaction already holds the whole database).
    public let claimRows: String
    /// The database's clock, as an instant value (leases use it, so workers on several machines
    /// agree on when a lease ran out).
    public let currentInstant: String
    /// The database's clock plus a number of seconds bound as one parameter.
    public let instantAfterSeconds: String

    public init(
        backend: String, beginTransaction: String, instantParameter: String,
        instantColumn: @escaping @Sendable (String) -> String, dateColumn: @escaping @Sendable (String) -> String,
        isDistinctFrom: String, migrationLock: String?, tableExists: String, migrations: [SchemaMigration],
        lockRows: String, beginReadTransaction: String, claimRows: String, currentInstant: String, instantAfterSeconds: String
    ) {
        self.claimRows = claimRows
        self.currentInstant = currentInstant
        self.instantAfterSeconds = instantAfterSeconds
        self.backend = backend
        self.beginTransaction = beginTransaction
        self.instantParameter = instantParameter
        self.instantColumn = instantColumn
        self.dateColumn = dateColumn
        self.isDistinctFrom = isDistinctFrom
        self.migrationLock = migrationLock
        self.tableExists = tableExists
        self.migrations = migrations
        self.lockRows = lockRows
        self.beginReadTransaction = beginReadTransaction
    }
}

/// A blocking connection to one database, used from one thread at a time.
///
/// Statements use `?` placeholders; an adapter rewrites them if its backend needs another form.
/// Adapters own the C handles and nothing else: all store logic lives in `SQLDispatchStore`.
public protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs one statement; returns the number of rows it changed.
    @discardableResult func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int
    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow]
    /// Runs several statements without parameters (a migration file).
    func executeScript(_ sql: String) throws
    /// Takes the named lock for as long as this connection lives or until `unlock`; false when
    /// another process holds it. The operating system or the server frees it when the holder dies.
    func tryLock(_ name: String) throws -> Bool
    func unlock(_ name: String) throws
    func close()
}

extension SQLConnection {
    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(readOnly: Bool = false, _ body: () throws -> T) throws -> T {
        try execute(readOnly ? dialect.beginReadTransaction : dialect.beginTransaction, [])
        do {
            let result = try body()
            try execute("COMMIT", [])
            return result
        } catch {
            _ = try? execute("ROLLBACK", [])
            throw error
        }
    }
}

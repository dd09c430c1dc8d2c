import DispatchSchema

/// A value bound to a statement parameter or read from a result column.
public enum SQLValue: Hashable, Sendable {
    case null
    case integer(Int)
    case real(Double)
    case text(String)
}

/// One result row, read by column name. Adapters may deliver numbers as text (libpq's text
/// protocol); the getters accept both. A value that cannot be decoded is an error naming the table
/// and the column it came from.
public struct SQLRow: Sendable {
    public let values: [SQLValue]
    public let columns: SQLColumns

    public init(_ values: [SQLValue], columns: SQLColumns) {
        self.values = values
        self.columns = columns
    }

    private func value(_ name: String) throws -> SQLValue { values[try columns.position(of: name)] }

    public func isNull(_ name: String) throws -> Bool { try value(name) == .null }

    public func text(_ name: String) throws -> String {
        guard let value = try optionalText(name) else { throw missing(name) }
        return value
    }

    public func optionalText(_ name: String) throws -> String? {
        switch try value(name) {
        case .null: return nil
        case .text(let text): return text
        case .integer(let number): return String(number)
        case .real(let number): return String(number)
        }
    }

    public func int(_ name: String) throws -> Int {
        guard let value = try optionalInt(name) else { throw missing(name) }
        return value
    }

    public func optionalInt(_ name: String) throws -> Int? {
        let value = try value(name)
        switch value {
        case .null: return nil
        case .integer(let number): return number
        case .real(let number) where number == number.rounded() && abs(number) < 9e18: return Int(number)
        case .text(let text): if let number = Int(text) { return number }
        default: break
        }
        throw StoreError(.corruptValue, "\(columns.describe(name)) holds \(value.shown), not a whole number")
    }

    public func double(_ name: String) throws -> Double {
        let value = try value(name)
        switch value {
        case .integer(let number): return Double(number)
        case .real(let number): return number
        case .text(let text): if let number = Double(text) { return number }
        case .null: break
        }
        throw StoreError(.corruptValue, "\(columns.describe(name)) holds \(value.shown), not a number")
    }

    /// A truth value: SQLite stores 0/1, libpq answers `t`/`f`.
    public func bool(_ name: String) throws -> Bool {
        let value = try value(name)
        switch value {
        case .integer(let number): return number != 0
        case .text(let text) where ["t", "true", "1", "f", "false", "0"].contains(text): return ["t", "true", "1"].contains(text)
        default: throw StoreError(.corruptValue, "\(columns.describe(name)) holds \(value.shown), not a truth value")
        }
    }

    private func missing(_ name: String) -> StoreError {
        StoreError(.corruptValue, "\(columns.describe(name)) is unexpectedly NULL")
    }
}

extension SQLValue {
    /// The value as an error message shows it (long text cut short).
    var shown: String {
        switch self {
        case .null: return "NULL"
        case .integer(let number): return String(number)
        case .real(let number): return String(number)
        case .text(let text): return text.count > 40 ? "'\(text.prefix(40))…'" : "'\(text)'"
        }
    }
}

/// The columns of one query's result, shared by all its rows: looked up by name, and able to
/// say which table a column came from when a value cannot be decoded.
public final class SQLColumns: Sendable {
    /// The result's column labels, lower-cased (PostgreSQL folds unquoted aliases; SQLite keeps them).
    public let names: [String]
    /// The labels as the backend gave them.
    let given: [String]
    private let positions: [String: Int]
    /// The readable labels' positions by a cheap key (length, first and last byte): the lookup
    /// every value read makes compares one or two labels instead of hashing the name.
    private let buckets: [[Int]]
    private static let bucketCount = 256
    private let sql: String

    public init(names: [String], sql: String) {
        self.given = names
        self.names = names.map { $0.lowercased() }
        self.sql = sql
        var positions: [String: Int] = [:]
        for (position, name) in self.names.enumerated() {
            // A label seen twice (`o.id`, `c.id` without aliases) cannot be read by name.
            positions[name] = positions[name] == nil ? position : -1
        }
        self.positions = positions
        var buckets = [[Int]](repeating: [], count: Self.bucketCount)
        for (position, name) in self.names.enumerated() where positions[name] != -1 {
            buckets[Self.bucket(name)].append(position)
        }
        self.buckets = buckets
    }

    private static func bucket(_ name: String) -> Int {
        let utf8 = name.utf8
        return (utf8.count &* 31 &+ Int(utf8.first ?? 0) &* 7 &+ Int(utf8.last ?? 0)) & (bucketCount - 1)
    }

    func position(of name: String) throws -> Int {
        // An order row is read by name some thirty times: no hashing of the name on the way.
        for position in buckets[Self.bucket(name)] where names[position] == name { return position }
        guard let position = positions[name], position >= 0 else {
            let problem = positions[name] == nil ? "has no column" : "has more than one column"
            throw StoreError(.database, "the query on \(tableNames(sql.lowercased()).first ?? "?") \(problem) named '\(name)'")
        }
        return position
    }

    /// `table.column` for an error message. The table is worked out from the statement only when
    /// an error needs it: the qualifier written before the column (`o.window_start`, or the column
    /// an `AS name` label stands for) is looked up among the FROM and JOIN aliases; an unqualified
    /// column belongs to the first table after FROM.
    func describe(_ name: String) -> String {
        let text = sql.lowercased()
        let tables = tableNames(text)
        var column = name
        var qualifier: String?
        if let match = Self.captures(#"([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s+as\s+"# + name + #"\b"#, in: text) {
            (qualifier, column) = (match[0], match[1])
        } else if let match = Self.captures(#"([a-z_][a-z0-9_]*)\."# + name + #"\b"#, in: text) {
            qualifier = match[0]
        }
        let table = qualifier.flatMap { aliases(text)[$0] ?? (tables.contains($0) ? $0 : nil) } ?? tables.first
        return table.map { "\($0).\(column)" } ?? column
    }

    private static func captures(_ pattern: String, in text: String) -> [String]? {
        guard let regex = try? Regex(pattern), let match = text.firstMatch(of: regex) else { return nil }
        return (1..<match.output.count).map { match.output[$0].substring.map(String.init) ?? "" }
    }

    private func tableNames(_ text: String) -> [String] {
        text.matches(of: #/\b(?:from|join)\s+([a-z_][a-z0-9_]*)(?![a-z0-9_.])/#).map { String($0.1) }
    }

    private func aliases(_ text: String) -> [String: String] {
        var aliases: [String: String] = [:]
        for match in text.matches(of: #/\b(?:from|join)\s+([a-z_][a-z0-9_]*)\s+(?:as\s+)?([a-z_][a-z0-9_]*)/#) {
            aliases[String(match.2)] = String(match.1)
        }
        return aliases
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
    /// A select-list item reading an instant column back as epoch seconds, labelled with the
    /// column's name (`o.window_start` → `… AS window_start`), so rows read it by that name.
    public let instantColumn: @Sendable (String) -> String
    /// A select-list item reading a local date column back as `YYYY-MM-DD` text, labelled with
    /// the column's name.
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
        self.instantColumn = { "\(instantColumn($0)) AS \(Self.label($0))" }
        self.dateColumn = { "\(dateColumn($0)) AS \(Self.label($0))" }
        self.isDistinctFrom = isDistinctFrom
        self.migrationLock = migrationLock
        self.tableExists = tableExists
        self.migrations = migrations
        self.lockRows = lockRows
        self.beginReadTransaction = beginReadTransaction
    }

    private static func label(_ column: String) -> String {
        String(column.split(separator: ".").last ?? Substring(column))
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
    /// Where a server connection went (nil for an embedded database).
    var endpoint: DatabaseEndpoint? { get }
}

extension SQLConnection {
    public var endpoint: DatabaseEndpoint? { nil }
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

/// The column labels of the statements a connection runs, by statement text: a connection runs
/// the same few statements again and again (one order by id, a day's notices), and working out
/// the labels' lookup cost more than reading a one-row result.
public struct SQLColumnsCache {
    private var bySQL: [String: SQLColumns] = [:]
    /// Statements kept; past it the cache starts again (statements built with varying text).
    private let limit = 256

    public init() {}

    /// The labels of `sql`'s result, named `names` by the backend.
    public mutating func columns(_ sql: String, names: [String]) -> SQLColumns {
        if let known = bySQL[sql], known.given == names { return known }
        let columns = SQLColumns(names: names, sql: sql)
        if bySQL.count >= limit { bySQL.removeAll(keepingCapacity: true) }
        bySQL[sql] = columns
        return columns
    }
}

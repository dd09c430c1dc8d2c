import DispatchStore
import Foundation

/// A connection that counts the statements run through it, for tests of what an operation
/// reads: everything else is passed to the connection it wraps.
public final class CountingConnection: SQLConnection, @unchecked Sendable {
    // Invariant behind @unchecked Sendable: `statements` is touched only under `lock` (the store
    // runs its work on one queue anyway).
    private let base: any SQLConnection
    private let lock = NSLock()
    private var statements: [String] = []
    /// The values bound to each statement, by position in `statements`.
    private var bound: [[SQLValue]] = []

    public init(_ base: any SQLConnection) { self.base = base }

    /// How many statements run through this connection contain `text`.
    public func count(containing text: String) -> Int {
        lock.withLock { statements.filter { $0.contains(text) }.count }
    }

    /// How many statements run through this connection contain `text` and were given `value`.
    public func count(containing text: String, bound value: SQLValue) -> Int {
        lock.withLock { zip(statements, bound).filter { $0.0.contains(text) && $0.1.contains(value) }.count }
    }

    /// Every statement run, in order.
    public var all: [String] { lock.withLock { statements } }

    /// The statements run after the last one that is exactly `statement` (a transaction's BEGIN).
    public func statements(afterLast statement: String) -> [String] {
        lock.withLock { Array(statements.suffix(from: (statements.lastIndex(of: statement) ?? -1) + 1)) }
    }

    private func record(_ sql: String, _ parameters: [SQLValue]) {
        lock.withLock {
            statements.append(sql)
            bound.append(parameters)
        }
    }

    public var dialect: SQLDialect { base.dialect }
    public var endpoint: DatabaseEndpoint? { base.endpoint }

    @discardableResult public func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        record(sql, parameters)
        return try base.execute(sql, parameters)
    }

    public func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow] {
        record(sql, parameters)
        return try base.query(sql, parameters)
    }

    public func executeScript(_ sql: String) throws { try base.executeScript(sql) }
    public func tryLock(_ name: String) throws -> Bool { try base.tryLock(name) }
    public func unlock(_ name: String) throws { try base.unlock(name) }
    public func close() { base.close() }
}

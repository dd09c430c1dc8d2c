import DispatchStore
import DispatchStorePostgres
import DispatchStoreSQLite
import Foundation
import Testing

/// The backends every store contract test runs against.
public enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgresql

    public var description: String { rawValue }

    /// libpq connection string of the test server (`scripts/test-postgres start` prints one).
    public static let postgresVariable = "DISPATCH_TEST_POSTGRES"

    /// Every backend; `DISPATCH_TEST_BACKENDS=sqlite` (as `scripts/test --fast` sets it) keeps
    /// the inner loop to the embedded one. The whole suite (CI) runs both.
    public static var all: [Backend] {
        guard let chosen = ProcessInfo.processInfo.environment["DISPATCH_TEST_BACKENDS"], !chosen.isEmpty else { return allCases }
        return allCases.filter { chosen.split(separator: ",").contains(Substring($0.rawValue)) }
    }
}

extension Trait where Self == ConditionTrait {
    /// For a test of PostgreSQL alone: skipped when `DISPATCH_TEST_BACKENDS` leaves it out.
    public static var postgresql: Self {
        .enabled(if: Backend.all.contains(.postgresql), "PostgreSQL is left out of this run (DISPATCH_TEST_BACKENDS)")
    }
}

extension Tag {
    /// Long suites (whole simulated days, the harness, fuzzing, every docs example): left out by
    /// `scripts/test --fast`, always run by `scripts/test` and CI.
    @Tag public static var slow: Self
}

/// A fresh, empty database of one backend, removed again by `drop()`.
///
/// SQLite gets a new file; PostgreSQL a new schema in the test database, so tests run in parallel.
public struct TestDatabase {
    public let backend: Backend
    public let store: SQLDispatchStore
    public let connection: any SQLConnection
    /// What `--database` takes to reach this database from the binary.
    public let url: String
    private let cleanup: () -> Void

    public static func make(_ backend: Backend) throws -> TestDatabase {
        let unique = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("dispatch-test-\(unique).sqlite").path
            return TestDatabase(
                backend: backend, store: SQLDispatchStore(connection: try SQLiteConnection(path: path)),
                connection: try SQLiteConnection(path: path), url: "sqlite:\(path)",
                cleanup: { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } })
        case .postgresql:
            let environment = ProcessInfo.processInfo.environment
            guard let base = environment[Backend.postgresVariable], !base.isEmpty else {
                // CI always provides a server; elsewhere this test fails with the way to get one.
                throw TestSetupError(
                    message: "\(Backend.postgresVariable) is not set: run the suite with scripts/test, "
                        + "or export \(Backend.postgresVariable)=\"$(scripts/test-postgres start)\"")
            }
            let schema = "t_\(unique)"
            let admin = try PostgresConnection(conninfo: base)
            try admin.executeScript("CREATE SCHEMA \(schema)")
            let conninfo = "\(base) options='-c search_path=\(schema)'"
            return TestDatabase(
                backend: backend, store: SQLDispatchStore(connection: try PostgresConnection(conninfo: conninfo)),
                connection: try PostgresConnection(conninfo: conninfo), url: conninfo,
                cleanup: {
                    try? admin.executeScript("DROP SCHEMA \(schema) CASCADE")
                    admin.close()
                })
        }
    }

    private init(backend: Backend, store: SQLDispatchStore, connection: any SQLConnection, url: String, cleanup: @escaping () -> Void) {
        self.backend = backend
        self.store = store
        self.connection = connection
        self.url = url
        self.cleanup = cleanup
    }

    /// A connection of its own to the same database, for a test thread that must block on it.
    public func newConnection() throws -> any SQLConnection {
        if url.hasPrefix("sqlite:") { return try SQLiteConnection(path: String(url.dropFirst(7))) }
        return try PostgresConnection(conninfo: url)
    }

    /// Another store on the same database (its own connection), as a second process would have.
    public static func sibling(of database: TestDatabase) throws -> SQLDispatchStore {
        if database.url.hasPrefix("sqlite:") {
            return SQLDispatchStore(connection: try SQLiteConnection(path: String(database.url.dropFirst(7))))
        }
        return SQLDispatchStore(connection: try PostgresConnection(conninfo: database.url))
    }

    public func drop() async {
        await store.close()
        connection.close()
        cleanup()
    }

    /// Runs `body` on a fresh database and always drops it afterwards.
    public static func with(_ backend: Backend, _ body: (TestDatabase) async throws -> Void) async throws {
        let database = try make(backend)
        do {
            try await body(database)
        } catch {
            await database.drop()
            throw error
        }
        await database.drop()
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

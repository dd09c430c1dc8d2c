import DispatchStore
import DispatchStorePostgres
import DispatchStoreSQLite
import Foundation
import Testing

/// The backends every store contract test runs against.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgresql

    var testDescription: String { rawValue }

    /// libpq connection string of the test server (`scripts/test-postgres start` prints one).
    static let postgresVariable = "DISPATCH_TEST_POSTGRES"

    static var all: [Backend] { allCases }
}

/// A fresh, empty database of one backend, removed again by `drop()`.
///
/// SQLite gets a new file; PostgreSQL a new schema in the test database, so tests run in parallel.
struct TestDatabase {
    let backend: Backend
    let store: SQLDispatchStore
    let connection: any SQLConnection
    private let cleanup: () -> Void

    static func make(_ backend: Backend) throws -> TestDatabase {
        let unique = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("dispatch-test-\(unique).sqlite").path
            return TestDatabase(
                backend: backend, store: SQLDispatchStore(connection: try SQLiteConnection(path: path)),
                connection: try SQLiteConnection(path: path),
                cleanup: { try? FileManager.default.removeItem(atPath: path) })
        case .postgresql:
            let environment = ProcessInfo.processInfo.environment
            guard let base = environment[Backend.postgresVariable], !base.isEmpty else {
                // CI always provides a server; elsewhere this test fails with the way to get one.
                throw TestSetupError(message: "\(Backend.postgresVariable) is not set: run the suite with scripts/test, "
                    + "or export \(Backend.postgresVariable)=\"$(scripts/test-postgres start)\"")
            }
            let schema = "t_\(unique)"
            let admin = try PostgresConnection(conninfo: base)
            try admin.executeScript("CREATE SCHEMA \(schema)")
            let conninfo = "\(base) options='-c search_path=\(schema)'"
            return TestDatabase(
                backend: backend, store: SQLDispatchStore(connection: try PostgresConnection(conninfo: conninfo)),
                connection: try PostgresConnection(conninfo: conninfo),
                cleanup: {
                    try? admin.executeScript("DROP SCHEMA \(schema) CASCADE")
                    admin.close()
                })
        }
    }

    private init(backend: Backend, store: SQLDispatchStore, connection: any SQLConnection, cleanup: @escaping () -> Void) {
        self.backend = backend
        self.store = store
        self.connection = connection
        self.cleanup = cleanup
    }

    func drop() async {
        await store.close()
        connection.close()
        cleanup()
    }

    /// Runs `body` on a fresh database and always drops it afterwards.
    static func with(_ backend: Backend, _ body: (TestDatabase) async throws -> Void) async throws {
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

struct TestSetupError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

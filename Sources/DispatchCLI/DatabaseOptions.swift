import ArgumentParser
import DispatchOperations
import DispatchStore
import DispatchStorePostgres
import DispatchStoreSQLite
import Foundation

/// `--database`, shared by every command that touches the database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Database to use: sqlite:PATH, postgresql://USER@HOST:PORT/DB, or a libpq keyword string.",
            discussion: """
                Without it, DISPATCH_DATABASE is used, else the embedded file ./dispatch.sqlite. For PostgreSQL, \
                libpq's variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, …) and ~/.pgpass fill in what the URL omits. \
                Passwords are never printed.
                """,
            valueName: "url"))
    var database: String?

    func location() throws -> DatabaseLocation {
        try DatabaseLocation.resolve(argument: database, environment: ProcessInfo.processInfo.environment)
    }

    /// Opens the chosen database, runs `body` with the application layer on it (acting at `clock`,
    /// fetching roads within `routing`), and closes it whatever happens. Only `db migrate` creates
    /// a missing SQLite file (`create`); every other command refuses it.
    func withOperations(
        create: Bool = false, clock: any DispatchClock = SystemClock(), routing: RoutingLimits = RoutingLimits(),
        _ body: (DispatchOperations, DatabaseLocation) async throws -> Void
    ) async throws {
        let (store, location) = try open(create: create)
        let operations = DispatchOperations(store: store, clock: clock, routing: routing)
        do {
            try await body(operations, location)
        } catch {
            await operations.close()
            throw error
        }
        await operations.close()
    }

    /// Opens `count` connections to the chosen database as one pooled store (for the server).
    /// `count` connections; on PostgreSQL each one is opened again after it was lost (a server
    /// restart or fail-over), and `onConnectionEvent` hears of every loss and recovery.
    func openPool(_ count: Int, onConnectionEvent: @escaping @Sendable (String) -> Void = { _ in })
        throws -> (store: any DispatchStore, location: DatabaseLocation)
    {
        let location = try location()
        var stores: [any DispatchStore] = []
        for _ in 0..<max(1, count) {
            switch location {
            case .sqlite:
                stores.append(try open().store)
            case .postgres(let conninfo):
                stores.append(
                    SQLDispatchStore(
                        connection: try PostgresConnection(conninfo: conninfo),
                        reopen: { try PostgresConnection(conninfo: conninfo) },
                        onConnectionEvent: onConnectionEvent))
            }
        }
        return (StorePool(stores), location)
    }

    /// Opens the chosen database; the only place that picks a backend.
    func open(create: Bool = false) throws -> (store: any DispatchStore, location: DatabaseLocation) {
        let location = try location()
        switch location {
        case .sqlite(let path):
            return (SQLDispatchStore(connection: try SQLiteConnection(path: path, create: create)), location)
        case .postgres(let conninfo):
            return (SQLDispatchStore(connection: try PostgresConnection(conninfo: conninfo)), location)
        }
    }
}

/// Output shape for listing commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

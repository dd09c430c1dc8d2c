import DispatchStore
import SchedulingCore

/// The database's own use cases: its schema, a scenario's import, the stored roster. Like every
/// operation they map failures to `OperationError` and run a transaction again when the database
/// aborted it for a concurrent one.
extension DispatchOperations {
    /// Closes the database (every connection of a pool).
    public func close() async {
        await store.close()
    }

    /// Applies the schema migrations the database lacks; the versions applied now.
    public func migrate() async throws -> [Int] {
        try await retrying { try await store.migrate() }
    }

    /// The migration versions the database has not applied.
    public func pendingMigrations() async throws -> [Int] {
        try await retrying { try await store.pendingMigrations() }
    }

    /// Stores `header`'s day, crews and technicians and the orders `orders` hands over batch by
    /// batch, in one transaction: nothing is stored if anything fails (see
    /// `DispatchStore.importScenario`). `orders` may be called again when the database aborted
    /// the first attempt for a concurrent writer.
    public func importScenario(
        _ header: Scenario, orders: @escaping @Sendable (_ store: ([WorkOrder]) throws -> Void) throws -> Void,
        travel: @escaping @Sendable () -> RoadLegs?
    ) async throws -> ImportSummary {
        try await retrying { try await store.importScenario(header, orders: orders, travel: travel) }
    }

    /// The technicians stored (every one, by id), or the roster of `day` with, for each who can take
    /// none of the day's orders, why not.
    public func roster(on day: LocalDate?) async throws -> (technicians: [Technician], cannotWork: [String: String]) {
        guard let day else {
            return (try await retrying { try await store.technicians() }.sorted { naturallyBefore($0.id, $1.id) }, [:])
        }
        guard let stored = try await storedDay(day) else { throw OperationError.notFound("no service day \(day) is stored") }
        let crews = stored.crewsByID
        let technicians = stored.technicians.sorted { naturallyBefore($0.id, $1.id) }
        var reasons: [String: String] = [:]
        for technician in technicians {
            reasons[technician.id] = stored.idleReason(of: technician, orders: stored.orders, crews: crews)
        }
        return (technicians, reasons)
    }

    /// The stored service day as a scenario (roster, orders, travel), or nil when none was imported.
    public func storedDay(_ day: LocalDate) async throws -> Scenario? {
        try await read { context in try context.tx.scenario(on: day) }
    }

    /// How the day's travel is kept and fetched, or nil when no day `day` is stored.
    public func travelState(on day: LocalDate) async throws -> TravelState? {
        try await read { context in try context.tx.travelState(on: day) }
    }
}

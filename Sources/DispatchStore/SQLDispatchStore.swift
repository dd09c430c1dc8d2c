import Dispatch
import DispatchSchema
import SchedulingCore

/// The store logic shared by every SQL backend, over a blocking `SQLConnection`.
///
/// All work on the connection runs on one serial queue owned by this store, never on the
/// cooperative thread pool, and is exposed as `async` functions.
public final class SQLDispatchStore: DispatchStore, PlanStore, @unchecked Sendable {
    // Invariant behind @unchecked Sendable: `connection`, `broken` and `schemaCurrent` are touched only on `queue`.
    private var connection: any SQLConnection
    private var broken = false
    private var schemaCurrent = false
    private let queue: DispatchQueue
    public let backend: String
    /// Opens a new connection after this one was lost (a server restart, a fail-over, a
    /// terminated backend); nil: a lost connection stays lost.
    private let reopen: (@Sendable () throws -> any SQLConnection)?
    /// Told each time the connection was lost and each time it was opened again.
    private let onConnectionEvent: (@Sendable (String) -> Void)?

    /// Where the road legs this store reads are kept (the process's, unless given).
    private let legsCache: RoadLegsCache
    /// The days this store's transactions read, kept while unchanged (`StoreTransaction.cachedScenario`).
    private let scenarios = ScenarioCache()

    public init(
        connection: any SQLConnection, reopen: (@Sendable () throws -> any SQLConnection)? = nil,
        onConnectionEvent: (@Sendable (String) -> Void)? = nil, legsCache: RoadLegsCache = .shared
    ) {
        self.legsCache = legsCache
        self.connection = connection
        self.backend = connection.dialect.backend
        self.queue = DispatchQueue(label: "fielddispatch.store.\(connection.dialect.backend)")
        self.reopen = reopen
        self.onConnectionEvent = onConnectionEvent
    }

    /// Runs blocking database work on this store's queue.
    ///
    /// A connection found lost is opened again before the next piece of work (so the database
    /// coming back is noticed by the next request, within seconds). Work that failed because the
    /// connection broke at its first statement (nothing was sent) runs once more on the new one;
    /// otherwise it fails as a connection error, since a transaction cut off mid-way may or may
    /// not have committed.
    func run<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.runOnQueue(body) })
            }
        }
    }

    private func runOnQueue<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        if broken { try reconnect() }
        do {
            return try body(connection)
        } catch let error as StoreError where error.kind == .connection && reopen != nil {
            broken = true
            onConnectionEvent?("database connection lost: \(error.message)")
            // Nothing reached the server when the very first statement found the connection gone.
            guard
                error.statement == nil || error.statement == StoreError.summarise(connection.dialect.beginTransaction)
                    || error.statement == StoreError.summarise(connection.dialect.beginReadTransaction)
            else { throw error }
            try reconnect()
            return try body(connection)
        }
    }

    private func reconnect() throws {
        guard let reopen else { return }
        do {
            let fresh = try reopen()
            connection.close()
            connection = fresh
            broken = false
            schemaCurrent = false
            onConnectionEvent?("database connection opened again")
        } catch {
            throw error as? StoreError ?? StoreError(.connection, "cannot reconnect: \(error)")
        }
    }

    public func migrate() async throws -> [Int] {
        try await run { connection in try Migrator(connection).migrate() }
    }

    public func pendingMigrations() async throws -> [Int] {
        try await run { connection in try Migrator(connection).pending() }
    }

    public func importScenario(_ scenario: Scenario) async throws -> ImportSummary {
        try await importScenario(scenario) { store in try store(scenario.orders) }
    }

    /// Imports `header` (its day, crews and technicians; its orders are ignored) and the orders
    /// `orders` hands over, batch by batch, to the function it is given, all in one transaction:
    /// when `orders` throws, nothing is stored. Memory holds one batch at a time, so a file of
    /// any size can be imported as it is read (`ScenarioStream`).
    public func importScenario(
        _ header: Scenario, orders: @escaping @Sendable (_ store: ([WorkOrder]) throws -> Void) throws -> Void,
        travel: @escaping @Sendable () -> RoadLegs?
    ) async throws -> ImportSummary {
        try await run { connection in
            try Migrator(connection).requireCurrent()
            return try connection.transaction {
                let writer = ScenarioWriter(connection)
                let legs = header.travel.legs
                let previousService = try writer.storedService(header.date)
                var summary = try writer.writeHeader(header)
                var customers = Set<String>()
                let transaction = StoreTransaction(connection, legsCache: self.legsCache)
                try orders { batch in
                    for (order, existed) in try writer.writeOrders(batch, day: header.date, into: &summary, customers: &customers) {
                        transaction.orderStored(order.id, created: !existed, at: nil)
                    }
                }
                // The day's matrix names its orders: stored once they are.
                if let service = header.travel.service {
                    summary.travelLegs.changed = try writer.keepLegs(
                        of: service, fallback: header.travel.fallback, previous: previousService,
                        day: header.date, total: &summary.travelLegs.total)
                } else {
                    summary.travelLegs.changed = try writer.writeLegs(travel() ?? legs, day: header.date, total: &summary.travelLegs.total)
                }
                // What a plan of the day depends on changed: a plan computed before is refused.
                if summary.changedRows > 0 { try transaction.bumpRevision(header.date) }
                try transaction.flushEvents()
                return summary
            }
        }
    }

    public func scenario(on day: LocalDate) async throws -> Scenario? {
        try await run { connection in
            try Migrator(connection).requireCurrent()
            return try ScenarioReader(connection, legsCache: self.legsCache).scenario(on: day)
        }
    }

    public func orders(on day: LocalDate) async throws -> (timeZone: ServiceTimeZone?, orders: [StoredOrder]) {
        try await run { connection in
            try Migrator(connection).requireCurrent()
            let reader = ScenarioReader(connection)
            return (try reader.serviceDayZone(day), try reader.orders(on: day))
        }
    }

    public func technicians() async throws -> [Technician] {
        try await run { connection in
            try Migrator(connection).requireCurrent()
            return try ScenarioReader(connection).technicians(absentOn: nil)
        }
    }

    public func crews() async throws -> [Crew] {
        try await run { connection in
            try Migrator(connection).requireCurrent()
            return try ScenarioReader(connection).crews()
        }
    }

    public func savePlan(_ plan: Plan, document: String, seed: UInt64, plannedFor now: Instant, createdAt: Instant) async throws -> Int {
        try await run { connection in
            try Migrator(connection).requireCurrent()
            return try connection.transaction {
                try PlanWriter(connection).save(plan, document: document, seed: seed, plannedFor: now, createdAt: createdAt)
            }
        }
    }

    public func plans(on day: LocalDate) async throws -> [StoredPlan] {
        try await run { connection in
            try Migrator(connection).requireCurrent()
            return try PlanWriter(connection).plans(on: day)
        }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T {
        try await run { connection in
            try self.requireCurrentOnce(connection)
            return try connection.transaction {
                let transaction = StoreTransaction(connection, legsCache: self.legsCache, scenarios: self.scenarios)
                let result = try body(transaction)
                try transaction.flushEvents()
                return result
            }
        }
    }

    public func readTransaction<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T {
        try await run { connection in
            try self.requireCurrentOnce(connection)
            return try connection.transaction(readOnly: true) {
                try body(StoreTransaction(connection, legsCache: self.legsCache, scenarios: self.scenarios))
            }
        }
    }

    /// The schema check, made once per connection: migrations only ever add, so a schema found
    /// current stays current for this program.
    private func requireCurrentOnce(_ connection: any SQLConnection) throws {
        guard !schemaCurrent else { return }
        try Migrator(connection).requireCurrent()
        schemaCurrent = true
    }

    public func tryRunLock(_ name: String) async throws -> Bool {
        try await run { connection in try connection.tryLock(name) }
    }

    public func releaseRunLock(_ name: String) async {
        _ = try? await run { connection in try connection.unlock(name) }
    }

    public func close() async {
        _ = try? await run { connection in connection.close() }
    }
}

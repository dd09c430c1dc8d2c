import Dispatch
import DispatchSchema
import SchedulingCore

/// The store logic shared by every SQL backend, over a blocking `SQLConnection`.
///
/// All work on the connection runs on one serial queue owned by this store, never on the
/// cooperative thread pool, and is exposed as `async` functions.
public final class SQLDispatchStore: DispatchStore, PlanStore, @unchecked Sendable {
    // Invariant behind @unchecked Sendable: `connection` and `schemaCurrent` are touched only on `queue`.
    private let connection: any SQLConnection
    private var schemaCurrent = false
    private let queue: DispatchQueue
    public let backend: String

    public init(connection: any SQLConnection) {
        self.connection = connection
        self.backend = connection.dialect.backend
        self.queue = DispatchQueue(label: "fielddispatch.store.\(connection.dialect.backend)")
    }

    /// Runs blocking database work on this store's queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.connection) })
            }
        }
    }

    public func migrate() async throws -> [Int] {
        try await run { connection in try Migrator(connection).migrate() }
    }

    public func pendingMigrations() async throws -> [Int] {
        try await run { connection in try Migrator(connection).pending() }
    }

    public func importScenario(_ scenario: Scenario) async throws -> ImportSummary {
        try await run { connection in
            try Migrator(connection).requireCurrent()
            return try connection.transaction { try ScenarioWriter(connection).write(scenario) }
        }
    }

    public func scenario(on day: LocalDate) async throws -> Scenario? {
        try await run { connection in
            try Migrator(connection).requireCurrent()
            return try ScenarioReader(connection).scenario(on: day)
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
            return try connection.transaction { try body(StoreTransaction(connection)) }
        }
    }

    public func readTransaction<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T {
        try await run { connection in
            try self.requireCurrentOnce(connection)
            return try connection.transaction(readOnly: true) { try body(StoreTransaction(connection)) }
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

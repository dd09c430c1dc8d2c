import Foundation
import SchedulingCore

/// Several connections to one database behind the store protocol, each with its own serial
/// queue, used in turn: the HTTP server answers many requests at once without waiting for one
/// connection. (SQLite in WAL mode lets the readers run beside the one writer.)
public final class StorePool: DispatchStore, @unchecked Sendable {
    // Invariant behind @unchecked Sendable: `stores` never changes; `next` is guarded by `lock`.
    private let stores: [any DispatchStore]
    private let lock = NSLock()
    private var next = 0

    public init(_ stores: [any DispatchStore]) {
        precondition(!stores.isEmpty, "a pool needs at least one store")
        self.stores = stores
    }

    private var store: any DispatchStore {
        lock.withLock {
            next = (next + 1) % stores.count
            return stores[next]
        }
    }

    public var backend: String { stores[0].backend }
    public func migrate() async throws -> [Int] { try await stores[0].migrate() }
    public func pendingMigrations() async throws -> [Int] { try await stores[0].pendingMigrations() }
    public func importScenario(_ scenario: Scenario) async throws -> ImportSummary { try await store.importScenario(scenario) }
    public func importScenario(
        _ header: Scenario, orders: @escaping @Sendable (_ store: ([WorkOrder]) throws -> Void) throws -> Void,
        travel: @escaping @Sendable () -> RoadLegs?
    ) async throws -> ImportSummary {
        try await store.importScenario(header, orders: orders, travel: travel)
    }
    public func scenario(on day: LocalDate) async throws -> Scenario? { try await store.scenario(on: day) }
    public func orders(on day: LocalDate) async throws -> (timeZone: ServiceTimeZone?, orders: [StoredOrder]) {
        try await store.orders(on: day)
    }
    public func technicians() async throws -> [Technician] { try await store.technicians() }
    public func crews() async throws -> [Crew] { try await store.crews() }
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T {
        try await store.transaction(body)
    }
    public func readTransaction<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T {
        try await store.readTransaction(body)
    }
    public func savePlan(_ plan: Plan, document: String, seed: UInt64, plannedFor now: Instant, createdAt: Instant) async throws -> Int {
        try await store.savePlan(plan, document: document, seed: seed, plannedFor: now, createdAt: createdAt)
    }
    public func plans(on day: LocalDate) async throws -> [StoredPlan] { try await store.plans(on: day) }
    public func tryRunLock(_ name: String) async throws -> Bool { try await stores[0].tryRunLock(name) }
    public func releaseRunLock(_ name: String) async { await stores[0].releaseRunLock(name) }
    public func close() async {
        for store in stores { await store.close() }
    }
}

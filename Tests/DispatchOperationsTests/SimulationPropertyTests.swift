import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// `dispatch simulate` as a property test: generated short days (30 orders, 5 technicians),
/// planned the evening before, simulated through the real application layer with every kind of
/// event at high rates; after every event the independent checks must find nothing. Each seed
/// requires that its events occurred, and the seeds together that every kind did (a run with no
/// sick technician proves nothing about absences). A violation found here becomes a case below
/// with its seed.
@Suite("Simulated days", .serialized, .tags(.slow))
struct SimulationPropertyTests {
    static let date = LocalDate(iso: "2026-11-23")!

    static func simulate(_ backend: Backend, seed: UInt64) async throws -> SimulationReport {
        var report = SimulationReport(runs: 0)
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(CityDayGenerator(orders: 30, technicians: 5, seed: seed).scenario())
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T20:00:00+08:00"))
            try await OperationFixtures.planAndPublish(operations, date)
            var options = SimulationOptions()
            options.seed = seed
            options.sickChance = 1
            options.customerAbsentShare = 0.1
            options.urgentPerHour = 0.6
            options.cancellationsPerHour = 0.4
            options.movesPerHour = 0.6
            let scratches = ScratchDatabases(backend)
            defer { scratches.dropAll() }
            report = try await DispatchOperations(store: database.store, clock: SystemClock()).simulate(
                date: date, scratch: { try scratches.make() }, options: options)
        }
        return report
    }

    @Test("Twenty seeds a backend: every event checked, no promise broken", arguments: Backend.all)
    func seeds(_ backend: Backend) async throws {
        var kinds: [String: Int] = [:]
        for seed in UInt64(1)...20 {
            let report = try await Self.simulate(backend, seed: seed + (backend == .sqlite ? 0 : 100))
            let violations = report.violations.prefix(5).map { "seed \(seed) (\(backend)): \($0.rule) \($0.order ?? "-"): \($0.detail)" }
            // Found here, each fixed and kept as its seed: SQLite seed 13, an unassigned code untrue
            // after an illness (the planner took a break only on arrival: `BreakRemovalTests`);
            // SQLite seed 17, codes left as they were when an illness cut a shift short with
            // nothing to move (the absence re-explains them now); PostgreSQL seed 8 (108), a delay
            // refused because the delayed visit crowded the break out and a completed visit was
            // dropped (locked visits make the break late now: `lockedVisitsMakeTheBreakLate`).
            for violation in violations { Issue.record(Comment(rawValue: violation)) }
            // Each seed's day had work and its technician falling ill (sickChance 1): absences are
            // tested every time. (A day may have little work: seed 114's had one visit begun.)
            #expect(
                report.events["en_route", default: 0] >= 1 && report.events["completed", default: 0] >= 1, "seed \(seed): \(report.events)")
            #expect(report.events["sick", default: 0] == 1, "seed \(seed): \(report.events)")
            for (kind, count) in report.events { kinds[kind, default: 0] += count }
        }
        for kind in ["sick", "urgent", "cancel", "move", "customer_absent", "on_site", "completed"] {
            #expect(kinds[kind, default: 0] > 0, "no \(kind) event in twenty seeds: \(kinds)")
        }
        #expect(kinds["en_route", default: 0] >= 200 && kinds["completed", default: 0] >= 150, "\(kinds)")
    }

    @Test("A scripted day: the events happen as written")
    func scripted() async throws {
        try await TestDatabase.with(.sqlite) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(CityDayGenerator(orders: 30, technicians: 5, seed: 4).scenario())
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T20:00:00+08:00"))
            try await OperationFixtures.planAndPublish(operations, Self.date)
            let plan = try #require(try await database.store.transaction { try $0.publishedPlan(on: Self.date) })
            let target = try #require(plan.visits.filter { $0.group == nil }.sorted { $0.start < $1.start }.dropFirst(4).first)
            var options = SimulationOptions()
            options.script = [
                ScriptedEvent(kind: "sick", at: "2026-11-23T11:00:00+08:00", technician: plan.visits.first?.technician),
                ScriptedEvent(kind: "urgent", at: "2026-11-23T10:00:00+08:00", order: "SIM-X", near: target.order),
                ScriptedEvent(kind: "absent", at: "2026-11-23T07:00:00+08:00", order: target.order),
            ]
            let scratches = ScratchDatabases(.sqlite)
            defer { scratches.dropAll() }
            let report = try await DispatchOperations(store: database.store, clock: SystemClock()).simulate(
                date: Self.date, scratch: { try scratches.make() },
                options: options)
            #expect(report.events["sick"] == 1 && report.events["urgent"] == 1)
            // Found by this script (seed 4, 30 orders): the technician of WO-14-B reports being late
            // at 11:10 and the re-plan was refused ("would drop WO-6, whose visit is completed"), so
            // the customer was not told again and work began 28 minutes after the announced start.
            // The cause: when a kept day had to be built again with its breaks in place, KeptDay
            // returned the empty solution (a tuple copied it before the visits were placed), so
            // every kept visit vanished from the re-plan without being reported.
            #expect(report.violations.isEmpty, "\(report.violations.prefix(3)) refusals: \(report.refusals)")
            #expect(!report.refusals.contains { $0.contains("would drop") }, "\(report.refusals)")
        }
    }
}

/// Scratch databases of one backend for the simulations, dropped together.
final class ScratchDatabases: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var made: [TestDatabase] = []
    let backend: Backend
    init(_ backend: Backend) { self.backend = backend }

    func make() throws -> any DispatchStore {
        let database = try TestDatabase.make(backend)
        lock.withLock { made.append(database) }
        return try TestDatabase.sibling(of: database) as any DispatchStore
    }

    func dropAll() {
        let all = lock.withLock { made }
        let done = DispatchSemaphore(value: 0)
        Task {
            for database in all { await database.drop() }
            done.signal()
        }
        done.wait()
    }
}

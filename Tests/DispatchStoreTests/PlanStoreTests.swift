import DispatchStore
import DispatchTestSupport
import SchedulingCore
import Testing

@Suite("Plan store contract")
struct PlanStoreTests {
    static func planned() -> (Scenario, Plan) {
        let scenario = CityDayGenerator(orders: 30, technicians: 5, seed: 4).scenario()
        let plan = Solver(scenario: scenario, options: SolverOptions(seed: 1, iterations: 20)).plan()
        return (scenario, plan)
    }

    @Test("Each commit is a new version; earlier versions and their text are kept", arguments: Backend.all)
    func versionsAreKept(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            let (scenario, plan) = Self.planned()
            _ = try await database.store.importScenario(scenario)
            #expect(plan.visits.count > 0)
            let first = try await database.store.savePlan(
                plan, document: "{\"v\": 1,  \"spacing\": \"kept\"}", seed: 7,
                plannedFor: scenario.now, createdAt: scenario.now)
            let second = try await database.store.savePlan(
                plan, document: "{\"v\": 2}", seed: UInt64.max,
                plannedFor: scenario.now, createdAt: scenario.now.adding(minutes: 5))
            #expect([first, second] == [1, 2])
            let stored = try await database.store.plans(on: scenario.date)
            #expect(stored.map(\.version) == [1, 2])
            #expect(stored[0].document == "{\"v\": 1,  \"spacing\": \"kept\"}")
            #expect(stored[1].createdAt == scenario.now.adding(minutes: 5))
            #expect(stored.allSatisfy { $0.visits == plan.visits.count && $0.unassigned == plan.unassigned.count })
        }
    }

    @Test("Overlapping visits of one technician are refused, and nothing of that plan is stored", arguments: Backend.all)
    func overlapsAreRefused(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            let (scenario, plan) = Self.planned()
            _ = try await database.store.importScenario(scenario)
            _ = try await database.store.savePlan(plan, document: "{}", seed: 1, plannedFor: scenario.now, createdAt: scenario.now)
            var bad = plan
            let first = try #require(bad.visits.first)
            // A second visit for the same technician, ten minutes into the first.
            let other = try #require(scenario.orders.first { order in !bad.visits.contains { $0.order == order.id } })
            bad.unassigned.removeAll { $0.order == other.id }
            bad.visits.append(
                PlannedVisit(
                    order: other.id, technician: first.technician, start: first.start.adding(minutes: 10),
                    end: first.end.adding(minutes: 10), noticeAt: first.noticeAt, group: nil, contact: false))
            let error = try await #require(throws: StoreError.self) {
                try await database.store.savePlan(bad, document: "{}", seed: 1, plannedFor: scenario.now, createdAt: scenario.now)
            }
            guard case .constraint = error.kind else {
                Issue.record("expected a constraint error, got \(error)")
                return
            }
            #expect(error.message.contains("plan_visits_no_overlap") || error.description.contains("plan_visits_no_overlap"))
            #expect(try await database.store.plans(on: scenario.date).map(\.version) == [1])
            let rows = try database.connection.query("SELECT COUNT(*) AS n FROM plan_visits", [])
            #expect(try rows.first?.int("n") == plan.visits.count)
        }
    }

    @Test("Back-to-back visits (one ends as the next starts) are not an overlap", arguments: Backend.all)
    func backToBackIsAllowed(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            let (scenario, plan) = Self.planned()
            _ = try await database.store.importScenario(scenario)
            var chained = plan
            let first = try #require(chained.visits.first)
            let other = try #require(scenario.orders.first { order in !chained.visits.contains { $0.order == order.id } })
            chained.unassigned.removeAll { $0.order == other.id }
            chained.visits.append(
                PlannedVisit(
                    order: other.id, technician: first.technician, start: first.end,
                    end: first.end.adding(minutes: 1), noticeAt: first.end, group: nil, contact: false))
            #expect(
                try await database.store.savePlan(chained, document: "{}", seed: 1, plannedFor: scenario.now, createdAt: scenario.now) == 1)
        }
    }
}

import PlanCheck
import Testing

@testable import SchedulingCore

/// Plans of many generated days all pass the independent checker.
@Suite("Generated days")
struct GeneratedDayPropertyTests {
    @Test("Every plan of a generated day passes the checker", arguments: Array(1...24))
    func generatedDayIsValid(_ seed: Int) {
        let size = seed % 3 == 0 ? (120, 14) : (45, 7)
        var generator = CityDayGenerator(orders: size.0, technicians: size.1, seed: UInt64(seed))
        generator.pairShare = seed % 4 == 0 ? 0.5 : 0.2
        let scenario = generator.scenario()
        let plan = PlanningFixtures.plan(scenario, iterations: 60, seed: UInt64(seed))
        #expect(PlanningFixtures.violations(plan, scenario) == [])
        #expect(plan.visits.count + plan.unassigned.count == scenario.orders.count)
        #expect(plan.visits.count > 0)
    }

    @Test("Locking the visits of a plan and planning again keeps them, and stays valid", arguments: [5, 11, 17])
    func replanKeepsLocks(_ seed: Int) {
        let scenario = CityDayGenerator(orders: 60, technicians: 8, seed: UInt64(seed)).scenario()
        let first = PlanningFixtures.plan(scenario, iterations: 60)
        var later = scenario
        // Morning: notices for the earliest visits have gone out.
        later.now = scenario.timeZone.instant(on: scenario.date, at: LocalTime(hhmm: "09:30")!)
        let notified = first.visits.filter { $0.start.adding(minutes: -30) < later.now }
        let groupsNotified = Set(notified.compactMap(\.group))
        for visit in first.visits where visit.start.adding(minutes: -30) < later.now || groupsNotified.contains(visit.group ?? "") {
            let index = later.orders.firstIndex { $0.id == visit.order }!
            later.orders[index].lock = Lock(technicianID: visit.technician, start: visit.start)
            later.orders[index].pin = nil
        }
        let second = PlanningFixtures.plan(later, iterations: 60)
        #expect(PlanningFixtures.violations(second, later) == [])
        let kept = Dictionary(uniqueKeysWithValues: second.visits.map { ($0.order, $0) })
        for order in later.orders where order.lock != nil {
            #expect(kept[order.id]?.start == order.lock?.start, "\(order.id)")
        }
    }
}

@Suite("Who may take an order, worked out once a kind of order")
struct EligibilityKeyTests {
    @Test("Each order's technicians are those the rules allow it, pinned, locked and absent included", arguments: [3, 8])
    func sameAsOrderByOrder(_ seed: Int) {
        var scenario = CityDayGenerator(orders: 150, technicians: 20, seed: UInt64(seed)).scenario()
        let crews = scenario.crewsByID
        // Pins, locks and an absence, so orders of one kind differ by them: the first two orders
        // fixed to a technician who may take them, another technician absent.
        scenario.technicians[0].absent = true
        func open(_ order: WorkOrder) -> Int {
            scenario.technicians.indices.first { scenario.ineligibility(of: scenario.technicians[$0], for: order, crews: crews) == nil }!
        }
        let pinned = open(scenario.orders[0])
        let locked = open(scenario.orders[1])
        scenario.orders[0].pin = Pin(technicianID: scenario.technicians[pinned].id)
        scenario.orders[1].lock = Lock(
            technicianID: scenario.technicians[locked].id, start: scenario.orders[1].window?.start ?? scenario.now)
        let problem = PlanningProblem(scenario)
        for (index, order) in scenario.orders.enumerated() {
            let expected = scenario.technicians.indices.filter {
                scenario.ineligibility(of: scenario.technicians[$0], for: order, crews: crews) == nil
            }
            #expect(problem.orders[index].eligible == expected, "\(order.id)")
        }
        // The cases occurred: orders share a kind, kinds differ in who may take them, and the
        // pinned and locked orders have their technician alone.
        let kinds = Dictionary(grouping: scenario.orders, by: \.eligibilityKey)
        #expect(kinds.values.filter { $0.count > 1 }.count > 10)
        #expect(Set(problem.orders.map(\.eligible)).count > 2)
        #expect(problem.orders[0].eligible == [pinned])
        #expect(problem.orders[1].eligible == [locked])
        #expect(!problem.orders.contains { $0.eligible.contains(0) })
    }
}

@Suite("What each technician makes of several jobs, from one trial day")
struct BatchedVerdictTests {
    @Test("The verdicts of several jobs asked together are those asked one job at a time", arguments: [2, 6])
    func togetherAsOneByOne(_ seed: Int) throws {
        var generator = CityDayGenerator(orders: 90, technicians: 10, seed: UInt64(seed))
        generator.pairShare = 0.3
        let scenario = generator.scenario()
        let plan = PlanningFixtures.plan(scenario, iterations: 80, seed: UInt64(seed))
        // Jobs the day left out (whole coordinated visits), and one that it serves, taken out.
        let byID = Dictionary(uniqueKeysWithValues: scenario.orders.map { ($0.id, $0) })
        var jobs = Dictionary(grouping: plan.unassigned.compactMap { byID[$0.order] }, by: { $0.group ?? $0.id }).values
            .map { $0.sorted { $0.id < $1.id } }.sorted { $0[0].id < $1[0].id }.prefix(5).map { $0 }
        let served = try #require(plan.visits.first { $0.group == nil })
        jobs.append([byID[served.order]!])
        let kept = plan.visits.filter { $0.order != served.order }
        let day = KeptDay(day: scenario, kept: kept)
        let now = scenario.now
        let together = day.verdicts(for: jobs, window: nil, now: now)
        #expect(together.count == jobs.count)
        for (job, verdicts) in zip(jobs, together) {
            #expect(verdicts == day.verdicts(for: job, window: nil, now: now), "\(job.map(\.id))")
        }
        // The cases occurred: more than one job, some technician fits one, another has no room or may not.
        let kinds = Set(together.joined().map(\.kind))
        #expect(jobs.count > 2)
        #expect(kinds.contains("fits"))
        #expect(kinds.count > 2, "\(kinds)")
    }
}

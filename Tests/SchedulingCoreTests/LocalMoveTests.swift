import BenchmarkFormats
import Testing

@testable import SchedulingCore

/// The O(1)-checked moves between routes (`TwoOptStar`, `Exchange`, `NearRelocate`): each applied move keeps every
/// route within the rules, lowers the objective, and leaves the solution's bookkeeping (which
/// route holds each order, each route's cached cost) equal to a recomputation.
@Suite("Moves between routes")
struct LocalMoveTests {
    /// Applies `move` to every free job until none helps; returns how many times it did.
    func descend(_ move: some LocalMove, _ solution: inout Solution, _ engine: SearchEngine) -> Int {
        var applied = 0
        var improved = true
        while improved {
            improved = false
            for job in engine.free {
                let before = solution.objective
                if move.improve(job, in: &solution, space: engine.space) {
                    #expect(solution.objective < before)
                    applied += 1
                    improved = true
                }
            }
        }
        return applied
    }

    func expectConsistent(_ solution: Solution, _ problem: PlanningProblem) {
        for (index, route) in solution.routes.enumerated() {
            var fresh = route
            fresh.refresh(problem)
            #expect(fresh.feasible)
            #expect(solution.routeCost[index] == problem.costs.route(fresh, problem))
            for element in route.elements where !element.isBreak { #expect(solution.routeOf[element.order] == index) }
        }
        let served = solution.routes.reduce(0) { $0 + $1.orderCount }
        #expect(solution.routeOf.filter { $0 >= 0 }.count == served)
    }

    @Test("Tail swaps, exchanges and relocations on Solomon-like days: applied, feasible, cheaper, bookkeeping exact")
    func onRoutingProblems() throws {
        var tails = 0
        var exchanges = 0
        var relocations = 0
        for seed in UInt64(2)...5 {
            let instance = try SolomonInstance(text: BenchmarkTests.solomonText(seed: seed, customers: 80, vehicles: 12))
            let engine = SearchEngine(problem: instance.problem(), options: SolverOptions(seed: seed, iterations: 0))
            var solution = Solution(problem: engine.problem)
            engine.construct(engine.plannable, into: &solution)
            let served = solution.routes.reduce(0) { $0 + $1.orderCount }
            tails += descend(TwoOptStar(), &solution, engine)
            exchanges += descend(Exchange(), &solution, engine)
            relocations += descend(NearRelocate(), &solution, engine)
            #expect(solution.routes.reduce(0) { $0 + $1.orderCount } == served)
            expectConsistent(solution, engine.problem)
        }
        // The cases occurred: construction leaves each kind of move to make.
        #expect(tails > 0 && exchanges > 0 && relocations > 0, "\(tails) tail swaps, \(exchanges) exchanges, \(relocations) relocations")
    }

    @Test("Exchanges on city days (breaks, crews, skills, windows): only eligible technicians, every rule kept")
    func onCityDays() throws {
        var applied = 0
        for seed in UInt64(21)...23 {
            let scenario = CityDayGenerator(orders: 90, technicians: 9, seed: seed).scenario()
            let engine = Solver(scenario: scenario, options: SolverOptions(seed: seed, iterations: 0)).engine
            var solution = Solution(problem: engine.problem)
            engine.construct(engine.plannable, into: &solution)
            applied += descend(Exchange(), &solution, engine)
            expectConsistent(solution, engine.problem)
            for (index, route) in solution.routes.enumerated() {
                for element in route.elements where !element.isBreak {
                    #expect(engine.problem.orders[element.order].eligible.contains(index))
                }
            }
            // The plan made from it passes the independent checker.
            let plan = PlanBuilder(problem: engine.problem, analysis: engine.analysis, jobs: engine.jobs, scenario: scenario)
                .plan(from: solution, warnings: [])
            #expect(PlanningFixtures.violations(plan, scenario) == [])
        }
        #expect(applied > 0)
    }
}

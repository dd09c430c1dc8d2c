import Testing

@testable import SchedulingCore

/// What an insertion check predicts equals what the route shows after the insertion.
@Suite("Move deltas")
struct InsertionDeltaTests {
    /// With `rush`, the day's travel runs by time of day (`TrafficTests.rush`).
    static func constructed(seed: UInt64, rush: Bool = false) -> (PlanningProblem, Solution) {
        var day = CityDayGenerator(orders: 70, technicians: 8, seed: seed).scenario()
        if rush { day.travel.dayParts = TrafficTests.rush }
        let solver = Solver(scenario: day, options: SolverOptions(seed: seed, iterations: 0))
        var solution = Solution(problem: solver.engine.problem)
        solver.engine.construct(solver.engine.plannable, into: &solution)
        return (solver.engine.problem, solution)
    }

    /// By time of day the start range stays exact (FIFO); the extra travel is an estimate there
    /// (the visits after the new one drive at other times), so it is compared on flat days only.
    @Test(
        "Predicted extra travel and start range match a full recomputation",
        arguments: [(UInt64(1), false), (2, false), (3, false), (4, false), (1, true), (2, true)])
    func insertionPredictionsHold(_ seed: UInt64, _ rush: Bool) {
        let (problem, solution) = Self.constructed(seed: seed, rush: rush)
        #expect(problem.traffic.isFlat == !rush)
        var generator = SeededGenerator(seed: seed)
        var checked = 0
        for order in problem.orders.indices where solution.routeOf[order] < 0 || generator.unit() < 0.3 {
            var base = solution
            if base.routeOf[order] >= 0 { base.remove([order], problem: problem) }
            let o = problem.orders[order]
            for route in base.routes.indices {
                for position in 0...base.routes[route].elements.count {
                    guard
                        let slot = base.routes[route].insertion(
                            at: position, location: o.location, duration: o.duration, earliest: o.earliest,
                            latest: o.latest, problem: problem)
                    else { continue }
                    for start in Set([slot.low, slot.high]) {
                        var trial = base.routes[route]
                        trial.insert(
                            [
                                Route.Element(
                                    order: order, location: o.location, duration: o.duration,
                                    earliest: start, latest: start, continuation: false)
                            ],
                            at: position, problem: problem)
                        #expect(trial.feasible, "start \(start) in [\(slot.low), \(slot.high)] should be feasible")
                        if !rush { #expect(trial.travelTotal - base.routes[route].travelTotal == slot.extraTravel) }
                        checked += 1
                    }
                    if slot.high < o.latest {
                        var late = base.routes[route]
                        late.insert(
                            [
                                Route.Element(
                                    order: order, location: o.location, duration: o.duration,
                                    earliest: slot.high + 1, latest: slot.high + 1, continuation: false)
                            ],
                            at: position, problem: problem)
                        #expect(!late.feasible, "start \(slot.high + 1) past the range should be infeasible")
                    }
                }
            }
        }
        #expect(checked > 50)  // the case occurred: dozens of slots checked on every seed
    }

    @Test(
        "The shortcuts of the route scan (latest-start cut-offs at both ends, one of identical empty days) lose no cheaper position",
        arguments: [UInt64(11), 12, 13])
    func scanShortcutsAreExact(_ seed: UInt64) {
        let (problem, solution) = Self.constructed(seed: seed)
        let insertion = Insertion(problem: problem)
        var compared = 0
        var skipped = 0
        for job in Job.all(problem) where job.members.count == 1 {
            // Every order unassigned, and the first 40 served ones taken out again.
            if solution.routeOf[job.members[0]] >= 0 && compared >= 40 { continue }
            var base = solution
            base.remove(job.members, problem: problem)
            let block = job.shapes[0][0]
            // Every position of every allowed route, by the O(1) check alone.
            var cheapest = Int.max
            for technician in block.technicians where base.quotaRoom(technician, problem) >= 1 {
                let route = base.routes[technician]
                if route.firstPosition(endingNoSoonerThan: block.earliest + block.duration) > 0 { skipped += 1 }
                for position in 0...route.elements.count {
                    guard
                        let slot = route.insertion(
                            at: position, location: block.location, duration: block.duration,
                            earliest: block.earliest, latest: block.latest, problem: problem)
                    else { continue }
                    cheapest = min(
                        cheapest,
                        slot.extraTravel * problem.costs.travel(of: technician)
                            + insertion.serviceCost(block.members, technician: technician, start: slot.low))
                }
            }
            var scanned = Int.max
            insertion.bestPerRoute(block, in: base) { scanned = min(scanned, $0.cost) }
            #expect(scanned == cheapest)
            compared += 1
        }
        #expect(compared >= 40)
        // The case occurred: scans that began past a route's first position.
        #expect(skipped > 0)
    }

    @Test("Positions refused by the check are really infeasible", arguments: [(UInt64(5), false), (6, false), (5, true)])
    func refusalsAreReal(_ seed: UInt64, _ rush: Bool) {
        let (problem, solution) = Self.constructed(seed: seed, rush: rush)
        var refused = 0
        for order in problem.orders.indices where solution.routeOf[order] < 0 {
            let o = problem.orders[order]
            for route in solution.routes.indices {
                for position in 0...solution.routes[route].elements.count
                where !(position < solution.routes[route].elements.count && solution.routes[route].elements[position].continuation) {
                    guard
                        solution.routes[route].insertion(
                            at: position, location: o.location, duration: o.duration,
                            earliest: o.earliest, latest: o.latest, problem: problem) == nil
                    else { continue }
                    var trial = solution.routes[route]
                    trial.insert(
                        [
                            Route.Element(
                                order: order, location: o.location, duration: o.duration,
                                earliest: o.earliest, latest: o.latest, continuation: false)
                        ],
                        at: position, problem: problem)
                    #expect(!trial.feasible)
                    refused += 1
                }
            }
        }
        #expect(refused > 0)
    }

    @Test("The cached objective equals one recomputed from scratch after removals and repairs")
    func objectiveMatchesRecomputation() {
        let solver = Solver(
            scenario: CityDayGenerator(orders: 90, technicians: 10, seed: 8).scenario(),
            options: SolverOptions(seed: 8, iterations: 0))
        var solution = Solution(problem: solver.engine.problem)
        solver.engine.construct(solver.engine.plannable, into: &solution)
        var generator = SeededGenerator(seed: 8)
        for round in 0..<40 {
            var trial = solution
            let ruin =
                round % 2 == 0
                ? solver.engine.classic.ruin(&trial, free: solver.engine.plannable, in: solver.engine.space, generator: &generator)
                : solver.engine.strings.ruin(&trial, free: solver.engine.plannable, in: solver.engine.space, generator: &generator)
            guard let removed = ruin else { continue }
            solution = trial
            if round % 4 < 2 {
                solver.engine.regret.recreate(removed, into: &solution, in: solver.engine.space)
            } else {
                solver.engine.blinks.recreate(removed, into: &solution, in: solver.engine.space, generator: &generator)
            }
            var fresh = 0
            for route in solution.routes {
                var copy = route
                copy.refresh(solver.engine.problem)
                #expect(copy.feasible)
                fresh += solver.engine.problem.costs.route(copy, solver.engine.problem)
            }
            let unassigned = solver.engine.problem.orders.indices.filter { solution.routeOf[$0] < 0 }
                .reduce(0) { $0 + solver.engine.problem.orders[$1].weight }
            #expect(solution.objective == unassigned * CostEvaluator.unassignedPerWeight + fresh)
        }
    }
}

@Suite("Reordering inside a route")
struct SequenceMoveTests {
    @Test("Or-opt and 2-opt keep a route feasible, never costlier, with the same visits and whole blocks")
    func reorderingIsSafe() {
        var improvedRoutes = 0
        for seed in UInt64(11)...16 {
            var generator = CityDayGenerator(orders: 80, technicians: 8, seed: seed)
            generator.pairShare = 0.5
            let solver = Solver(scenario: generator.scenario(), options: SolverOptions(seed: seed, iterations: 0))
            var solution = Solution(problem: solver.engine.problem)
            solver.engine.construct(solver.engine.plannable, into: &solution)
            for index in solution.routes.indices where !solution.routes[index].isEmpty {
                var route = solution.routes[index]
                let before = solver.engine.problem.costs.route(route, solver.engine.problem)
                let visits = route.elements.map(\.order).sorted()
                if route.improveSequence(solver.engine.problem) { improvedRoutes += 1 }
                #expect(route.feasible)
                #expect(solver.engine.problem.costs.route(route, solver.engine.problem) <= before)
                #expect(route.elements.map(\.order).sorted() == visits)
                for (position, element) in route.elements.enumerated() where element.continuation {
                    let head = route.elements[position - 1]
                    #expect(
                        !head.isBreak && solver.engine.problem.orders[head.order].group == solver.engine.problem.orders[element.order].group
                    )
                }
            }
        }
        #expect(improvedRoutes > 0, "greedy routes of six days leave some reordering to gain")
    }
}

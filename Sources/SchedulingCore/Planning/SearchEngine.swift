import Foundation

/// The search behind `Solver` and `RouteSolver`: locked work first, then construction by priority
/// and local descent, then (when vehicles cost something) fleet reduction, then ruin and
/// recreate under simulated annealing — the loop composing the operators in `Search/` (what each
/// brings: docs/planning.md).
struct SearchEngine: Sendable {
    let space: SearchSpace
    let options: SolverOptions
    let analysis: Analysis
    /// The jobs worth trying (none of their members blocked for good) and, of those, the free
    /// ones (not locked): what the search may move.
    let plannable: [Int]
    let free: [Int]

    /// When solving began: a `seconds` budget counts from here, set-up included.
    let started = ContinuousClock.now

    var problem: PlanningProblem { space.problem }
    var jobs: [Job] { space.jobs }

    /// The ruins of the annealing loop, drawn at each iteration (`ruin(_:free:generator:)`).
    let strings = StringRemoval()
    let classic = ClassicRemoval()
    let shortRoute = ShortRouteRemoval()
    let blinks = BlinkInsertion()
    let regret = RegretInsertion()
    /// Tried on every job put back, and until none helps on each new best plan.
    let tailExchange = TwoOptStar()
    let exchange = Exchange()
    let nearRelocate = NearRelocate()
    /// The descent after construction.
    let localMoves: [any LocalMove & Sendable] = [Relocate(), PairExchange(), TwoOptStar(), Exchange(), NearRelocate()]

    init(problem: PlanningProblem, options: SolverOptions) {
        self.options = options
        analysis = Analysis(problem)
        space = SearchSpace(problem: problem)
        let analysis = analysis
        let jobs = space.jobs
        plannable = jobs.indices.filter { jobs[$0].members.allSatisfy { analysis.blocked[$0] == nil } }
        free = plannable.filter { !jobs[$0].locked }
    }

    /// The best solution, with a last line of defence: a route that breaks a rule loses its free
    /// jobs rather than reach the plan (reported in `warnings`).
    func solveChecked(warnings: inout [String]) -> (Solution, iterations: Int) {
        var (solution, iterations) = solve(warnings: &warnings)
        let broken = Set(solution.ordersOnInfeasibleRoutes())
        if !broken.isEmpty {
            let free = jobs.filter { !$0.locked && $0.members.contains(where: broken.contains) }.flatMap(\.members)
            solution.remove(free, problem: problem)
            warnings.append("internal: \(free.count) orders were taken off routes that broke a rule; please report this scenario")
        }
        return (solution, iterations)
    }

    func solve(warnings: inout [String]) -> (Solution, iterations: Int) {
        var solution = Solution(problem: problem)
        var generator = SeededGenerator(seed: options.seed)
        for (index, order) in problem.orders.enumerated() where order.locked {
            if let (_, reason) = analysis.blocked[index] {
                warnings.append(
                    "locked visit \(problem.orderIDs[index]) cannot be kept as notified (\(reason)); rebook it with the customer")
            }
        }
        // Locked visits first, earliest first: the customer has been told.
        let locked = plannable.filter { jobs[$0].locked }.sorted {
            (jobs[$0].members.map { problem.orders[$0].earliest }.min() ?? 0, $0)
                < (jobs[$1].members.map { problem.orders[$0].earliest }.min() ?? 0, $1)
        }
        for job in locked {
            if let (placement, _) = space.insertion.best(jobs[job], in: solution) {
                space.insertion.apply(placement, to: &solution)
            } else {
                let ids = jobs[job].members.map { problem.orderIDs[$0] }.joined(separator: ", ")
                warnings.append(
                    "locked visit \(ids) cannot be kept as notified: it conflicts with the shift, the break or another locked visit; "
                        + "rebook it with the customer"
                )
            }
        }
        construct(free, into: &solution)
        if options.iterations != 0 { polish(&solution) }
        var fleetIterations = 0
        if space.vehiclesCost && options.iterations != 0 {
            // Half the budget goes to using fewer vehicles, the rest to the whole objective.
            (solution, fleetIterations) = reduceFleet(solution, free: free, fraction: 0.5, generator: &generator)
        }
        let (best, iterations) = improve(solution, generator: &generator, spent: fleetIterations)
        return (best, fleetIterations + iterations)
    }

    /// A re-plan puts the published visits back first, in the order they were published (each
    /// goes where it was, the stability term sees to that); then priority; among equals, the
    /// hardest to place (fewest technicians, earliest deadline) first.
    func construct(_ free: [Int], into solution: inout Solution) {
        // (0, earliest published start) for a job with a published visit, else (1, 0); once per job.
        var published: [Int: (Int, Int)] = [:]
        for job in free {
            let starts = jobs[job].members.filter { problem.orders[$0].preferredTechnician >= 0 }.map { problem.orders[$0].preferredStart }
            published[job] = starts.min().map { (0, $0) } ?? (1, 0)
        }
        let order = free.sorted { a, b in
            let ja = jobs[a]
            let jb = jobs[b]
            let pa = published[a] ?? (1, 0)
            let pb = published[b] ?? (1, 0)
            if pa != pb { return pa < pb }
            let ta = ja.members.map { analysis.aloneTechnicians[$0].count }.min() ?? 0
            let tb = jb.members.map { analysis.aloneTechnicians[$0].count }.min() ?? 0
            let la = ja.members.map { problem.orders[$0].latest }.min() ?? 0
            let lb = jb.members.map { problem.orders[$0].latest }.min() ?? 0
            return (-ja.weight / ja.members.count, ta, la, a) < (-jb.weight / jb.members.count, tb, lb, b)
        }
        for job in order {
            // A published visit goes back to its technician first (a warm start from the
            // published plan: placed elsewhere early, it could leave no room for another
            // published visit on its own technician later).
            let preferred = jobs[job].members.map { problem.orders[$0].preferredTechnician }
            let home = preferred.first.flatMap { first in first >= 0 && preferred.allSatisfy { $0 == first } ? first : nil }
            if let home, let (placement, _) = space.insertion.best(jobs[job], in: solution, only: home) {
                space.insertion.apply(placement, to: &solution)
            } else if let (placement, _) = space.insertion.best(jobs[job], in: solution) {
                space.insertion.apply(placement, to: &solution)
            }
        }
    }

    /// Seconds since solving began.
    func elapsedSeconds() -> Double {
        let elapsed = started.duration(to: .now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// True once a time budget is set and spent (never with an iteration budget, for determinism).
    func outOfTime() -> Bool {
        guard options.iterations == nil, let seconds = options.seconds else { return false }
        return elapsedSeconds() >= seconds
    }

    /// Local descent: each local move for each served free job, keeping each move that makes the
    /// whole plan better, until none does (five rounds at most).
    func polish(_ solution: inout Solution) {
        var improved = true
        var rounds = 0
        while improved && rounds < 5 {
            improved = false
            rounds += 1
            for move in localMoves {
                for job in free where solution.routeOf[jobs[job].members[0]] >= 0 {
                    if outOfTime() { return }
                    if move.improve(job, in: &solution, space: space) { improved = true }
                }
            }
        }
    }

    /// Or-opt and 2-opt inside every route; only ever lowers the objective.
    func reorderRoutes(_ solution: inout Solution) {
        for route in solution.routes.indices where !solution.routes[route].isEmpty {
            var trial = solution
            if trial.routes[route].improveSequence(problem) {
                trial.refreshBreak(route, problem: problem)
                if trial.objective < solution.objective { solution = trial }
            }
        }
    }

    func report(_ iteration: Int, _ seconds: Double, _ solution: Solution) {
        guard let progress = options.progress else { return }
        progress(
            SolverProgress(
                iteration: iteration, seconds: seconds, served: solution.routeOf.filter { $0 >= 0 }.count,
                travelMinutes: solution.routes.filter { !$0.isEmpty }.reduce(0) { $0 + $1.travelTotal }))
    }

    /// The ruin of one iteration: mostly strings (slack where neighbouring routes meet), sometimes
    /// the classic rules; when vehicles cost something, now and then a whole short route.
    func ruin(_ solution: inout Solution, generator: inout SeededGenerator) -> [Int]? {
        let draw = generator.unit()
        if space.vehiclesCost && draw < 0.1 { return shortRoute.ruin(&solution, free: free, in: space, generator: &generator) }
        if draw < 0.7 { return strings.ruin(&solution, free: free, in: space, generator: &generator) }
        return classic.ruin(&solution, free: free, in: space, generator: &generator)
    }
}

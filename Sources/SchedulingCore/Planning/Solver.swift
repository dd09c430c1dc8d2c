import Foundation

/// How long and how the solver searches.
public struct SolverOptions: Sendable {
    public var seed: UInt64
    /// Stop after this many improvement iterations (the deterministic budget).
    public var iterations: Int?
    /// Stop after this much wall-clock time.
    public var seconds: Double?
    /// Stop after this many iterations without a better plan (unless an iteration budget is set,
    /// or `useAllTime` asks for the whole `seconds`).
    public var patience: Int
    /// Search for all of `seconds` even when the plan stopped improving.
    public var useAllTime: Bool
    /// Called about once a second during the search.
    public var progress: (@Sendable (SolverProgress) -> Void)?

    public init(
        seed: UInt64 = 1, iterations: Int? = nil, seconds: Double? = nil, patience: Int = 2_000,
        useAllTime: Bool = true, progress: (@Sendable (SolverProgress) -> Void)? = nil
    ) {
        self.seed = seed
        self.iterations = iterations
        self.seconds = seconds
        self.patience = patience
        self.useAllTime = useAllTime
        self.progress = progress
    }
}

/// Where the search stands.
public struct SolverProgress: Sendable {
    public let iteration: Int
    public let seconds: Double
    public let served: Int
    public let travelMinutes: Int
}

/// Builds a day's plan: locked work first, then construction by priority and local descent, then
/// (when vehicles cost something) fleet reduction, then ruin and recreate under simulated
/// annealing: strings of visits or a few jobs out, back one by one where they cost least.
public struct Solver {
    let problem: PlanningProblem
    let options: SolverOptions
    let analysis: Analysis
    let jobs: [Job]
    let insertion: Insertion

    /// For each job, the nearest other unlocked jobs (by travel between their first members),
    /// nearest first: a few for pair moves, more for ruining strings.
    let neighbours: [[Int]]
    let adjacency: [[Int]]
    /// The job of each order.
    let jobOf: [Int]
    /// Whether using a vehicle costs something (then emptying routes is worth trying).
    let vehiclesCost: Bool

    /// When solving began: a `seconds` budget counts from here, set-up included.
    let started = ContinuousClock.now

    public init(scenario: Scenario, options: SolverOptions = SolverOptions()) {
        self.init(problem: PlanningProblem(scenario), options: options)
    }

    public init(problem: PlanningProblem, options: SolverOptions = SolverOptions()) {
        self.problem = problem
        self.options = options
        analysis = Analysis(problem)
        jobs = Job.all(problem)
        insertion = Insertion(problem: problem)
        adjacency = Self.nearest(jobs, problem: problem, count: 40)
        neighbours = adjacency.map { Array($0.prefix(5)) }
        var jobOf = [Int](repeating: -1, count: problem.orders.count)
        for (index, job) in jobs.enumerated() { for member in job.members { jobOf[member] = index } }
        self.jobOf = jobOf
        vehiclesCost = problem.technicians.contains { $0.fixedCost > 0 }
    }

    static func nearest(_ jobs: [Job], problem: PlanningProblem, count: Int) -> [[Int]] {
        let locations = jobs.map { problem.orders[$0.members[0]].location }
        return jobs.indices.map { job in
            // Kept sorted; a closer job is inserted at its place and the farthest dropped.
            var best: [(Int, Int)] = []
            best.reserveCapacity(count + 1)
            for other in jobs.indices where other != job && !jobs[other].locked {
                let entry = (problem.travel(locations[job], locations[other]), other)
                if best.count == count, !(entry < best[count - 1]) { continue }
                var at = best.count
                while at > 0 && entry < best[at - 1] { at -= 1 }
                best.insert(entry, at: at)
                if best.count > count { best.removeLast() }
            }
            return best.map(\.1)
        }
    }

    /// Solves and returns the plan with its explanations.
    public func plan() -> Plan {
        var warnings: [String] = []
        var (solution, _) = solve(warnings: &warnings)
        // Last line of defence: a route that breaks a rule loses its free jobs rather than reach the plan.
        let broken = Set(solution.ordersOnInfeasibleRoutes())
        if !broken.isEmpty {
            let free = jobs.filter { !$0.locked && $0.members.contains(where: broken.contains) }.flatMap(\.members)
            solution.remove(free, problem: problem)
            warnings.append("internal: \(free.count) orders were taken off routes that broke a rule; please report this scenario")
        }
        guard let scenario = problem.scenario else { preconditionFailure("a plan needs a scenario; use solveRoutes() for benchmarks") }
        return PlanBuilder(problem: problem, analysis: analysis, jobs: jobs, scenario: scenario).plan(from: solution, warnings: warnings)
    }

    /// Solves a problem without a scenario (a benchmark instance) and returns its bare routes.
    public func solveRoutes() -> RouteSolution {
        var warnings: [String] = []
        let (solution, iterations) = solve(warnings: &warnings)
        let used = solution.routes.filter { !$0.isEmpty }
        func orders(_ route: Route) -> [Int] { route.elements.filter { !$0.isBreak }.map(\.order) }
        func starts(_ route: Route) -> [Int] { route.elements.indices.filter { !route.elements[$0].isBreak }.map { route.start[$0] } }
        return RouteSolution(
            routes: used.map(orders), starts: used.map(starts),
            unassigned: solution.routeOf.indices.filter { solution.routeOf[$0] < 0 }, iterations: iterations)
    }

    /// Jobs worth trying: none of their members is blocked for good.
    var plannable: [Int] {
        jobs.indices.filter { jobs[$0].members.allSatisfy { analysis.blocked[$0] == nil } }
    }

    func solve(warnings: inout [String]) -> (Solution, iterations: Int) {
        var solution = Solution(problem: problem)
        var generator = SeededGenerator(seed: options.seed)
        let candidates = plannable
        for (index, order) in problem.orders.enumerated() where order.locked {
            if let (_, reason) = analysis.blocked[index] {
                warnings.append(
                    "locked visit \(problem.orderIDs[index]) cannot be kept as notified (\(reason)); rebook it with the customer")
            }
        }
        // Locked visits first, earliest first: the customer has been told.
        let locked = candidates.filter { jobs[$0].locked }.sorted {
            (jobs[$0].members.map { problem.orders[$0].earliest }.min() ?? 0, $0)
                < (jobs[$1].members.map { problem.orders[$0].earliest }.min() ?? 0, $1)
        }
        for job in locked {
            if let (placement, _) = insertion.best(jobs[job], in: solution) {
                insertion.apply(placement, to: &solution)
            } else {
                let ids = jobs[job].members.map { problem.orderIDs[$0] }.joined(separator: ", ")
                warnings.append(
                    "locked visit \(ids) cannot be kept as notified: it conflicts with the shift, the break or another locked visit; "
                        + "rebook it with the customer"
                )
            }
        }
        let free = candidates.filter { !jobs[$0].locked }
        construct(free, into: &solution)
        if options.iterations != 0 { polish(&solution, free: free) }
        var fleetIterations = 0
        if vehiclesCost && options.iterations != 0 {
            // Half the budget goes to using fewer vehicles, the rest to the whole objective.
            (solution, fleetIterations) = reduceFleet(solution, free: free, fraction: 0.5, generator: &generator)
        }
        let (best, iterations) = improve(solution, free: free, generator: &generator, spent: fleetIterations)
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
            if let home, let (placement, _) = insertion.best(jobs[job], in: solution, only: home) {
                insertion.apply(placement, to: &solution)
            } else if let (placement, _) = insertion.best(jobs[job], in: solution) {
                insertion.apply(placement, to: &solution)
            }
        }
    }

    /// Reinserts `pending` jobs, the one with the greatest priority and regret first.
    func repair(_ pending: [Int], into solution: inout Solution) {
        var pending = pending
        while !pending.isEmpty {
            var chosen = -1
            var chosenKey = Int.min
            var chosenPlacement: Placement?
            var stuck: [Int] = []
            for (slot, job) in pending.enumerated() {
                guard let (placement, second) = insertion.best(jobs[job], in: solution) else {
                    stuck.append(slot)
                    continue
                }
                let regret =
                    second == Int.max ? 50 * CostEvaluator.travelMinute : min(second - placement.cost, 50 * CostEvaluator.travelMinute)
                // Regret leads; priority (weights differ by up to ~1000) is worth up to ~100 travel minutes of it.
                let key = jobs[job].weight * 100 / max(1, jobs[job].members.count) + regret
                if key > chosenKey {
                    chosenKey = key
                    chosen = slot
                    chosenPlacement = placement
                }
            }
            guard let placement = chosenPlacement else { return }
            insertion.apply(placement, to: &solution)
            for slot in (stuck + [chosen]).sorted(by: >) { pending.remove(at: slot) }
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

    /// `spent` iterations of the budget went to an earlier phase; the cooling schedule runs over
    /// what is left.
    func improve(_ start: Solution, free: [Int], generator: inout SeededGenerator, spent: Int = 0) -> (Solution, iterations: Int) {
        guard !free.isEmpty else { return (start, 0) }
        var current = start
        var best = start
        let limitIterations = options.iterations.map { max(0, $0 - spent) } ?? Int.max
        let phaseStart = elapsedSeconds()
        let limitSeconds = options.seconds
        let useTime = options.iterations == nil && limitSeconds != nil
        // Temperatures scale with the average leg of the first plan: a worse plan is accepted with
        // probability 1/e at three legs' worth of travel early, three hundredths of a leg late.
        let legs = start.routes.reduce(0) { $0 + ($1.isEmpty ? 0 : $1.orderCount + 1) }
        let travel = start.routes.reduce(0) { $0 + $1.travelTotal } * problem.costs.travelUnit
        let leg = legs > 0 && travel > 0 ? Double(travel) / Double(legs) : Double(10 * CostEvaluator.travelMinute)
        let initialTemperature = 3 * leg
        let finalTemperature = 0.03 * leg
        var sinceBest = 0
        var iteration = 0
        var nextReport = elapsedSeconds().rounded(.down) + 1
        defer { report(iteration, elapsedSeconds(), best) }
        while iteration < limitIterations {
            if options.progress != nil, iteration % 16 == 0, elapsedSeconds() >= nextReport {
                report(iteration, elapsedSeconds(), best)
                nextReport += 1
            }
            let progress: Double
            if let seconds = limitSeconds, useTime {
                let done = elapsedSeconds()
                if done >= seconds || (!options.useAllTime && sinceBest >= options.patience) { break }
                progress = (done - phaseStart) / max(1e-9, seconds - phaseStart)
            } else if options.iterations != nil {
                progress = Double(iteration) / Double(limitIterations)
            } else {
                if sinceBest >= options.patience { break }
                progress = min(1, Double(iteration) / Double(max(1, options.patience * 5)))
            }
            let temperature = initialTemperature * pow(finalTemperature / initialTemperature, progress)
            var candidate = current
            // Mostly strings (slack where neighbouring routes meet), sometimes the classic rules;
            // when vehicles cost something, now and then a whole short route.
            let draw = generator.unit()
            let ruin =
                vehiclesCost && draw < 0.1
                ? removeShortRoute(&candidate, free: free, generator: &generator)
                : draw < 0.7
                    ? removeStrings(&candidate, free: free, generator: &generator)
                    : destroy(&candidate, free: free, generator: &generator)
            guard let removed = ruin else {
                iteration += 1
                sinceBest += 1
                continue
            }
            let waiting = unassigned(candidate, free).filter { !removed.contains($0) }
            var pending = removed
            if !waiting.isEmpty {
                for _ in 0..<min(8, waiting.count) { pending.append(waiting[generator.below(waiting.count)]) }
                pending = Array(Set(pending)).sorted()
            }
            recreateGreedily(pending, into: &candidate, generator: &generator)
            let delta = Double(candidate.objective - current.objective)
            if delta <= 0 || generator.unit() < exp(-delta / temperature) { current = candidate }
            if current.objective < best.objective {
                best = current
                sinceBest = 0
            } else {
                sinceBest += 1
            }
            iteration += 1
        }
        // Reordering inside routes pays off once, on the plan that is kept; during the search it
        // costs more time than it saves.
        if options.iterations != 0 { reorderRoutes(&best) }
        return (best, iteration)
    }

    /// Local descent on a solution: relocate (take a job out, put it back where it costs least),
    /// then pair moves (take a job and a nearby job on another route out, reinsert both by
    /// regret), keeping each move that makes the whole plan better, until none does.
    func polish(_ solution: inout Solution, free: [Int]) {
        var improved = true
        var rounds = 0
        while improved && rounds < 5 {
            improved = false
            rounds += 1
            for job in free where solution.routeOf[jobs[job].members[0]] >= 0 {
                if outOfTime() { return }
                var trial = solution
                guard trial.remove(jobs[job].members, problem: problem),
                    let (placement, _) = insertion.best(jobs[job], in: trial)
                else { continue }
                insertion.apply(placement, to: &trial)
                if trial.objective < solution.objective {
                    solution = trial
                    improved = true
                }
            }
            for job in free where solution.routeOf[jobs[job].members[0]] >= 0 {
                if outOfTime() { return }
                for other in neighbours[job] {
                    let here = solution.routeOf[jobs[job].members[0]]
                    let there = solution.routeOf[jobs[other].members[0]]
                    guard here >= 0, there >= 0, here != there, !jobs[other].locked else { continue }
                    var trial = solution
                    guard trial.remove(jobs[job].members + jobs[other].members, problem: problem) else { continue }
                    repair([job, other], into: &trial)
                    if trial.objective < solution.objective {
                        solution = trial
                        improved = true
                    }
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

    /// Removes a few jobs by one of three rules: at random, a cluster near one job, or the costliest.
    /// Nil when the removal would leave a route infeasible (the solution is then unusable).
    func destroy(_ solution: inout Solution, free: [Int], generator: inout SeededGenerator) -> [Int]? {
        let assigned = free.filter { solution.routeOf[jobs[$0].members[0]] >= 0 }
        guard !assigned.isEmpty else { return [] }
        let count = min(assigned.count, 2 + generator.below(max(1, min(30, assigned.count / 4 + 2))))
        var chosen: [Int]
        switch generator.below(3) {
        case 0:
            var pool = assigned
            chosen = []
            for _ in 0..<count { chosen.append(pool.remove(at: generator.below(pool.count))) }
        case 1:
            let seed = assigned[generator.below(assigned.count)]
            let here = problem.orders[jobs[seed].members[0]]
            let ranked = assigned.sorted { a, b in
                let oa = problem.orders[jobs[a].members[0]]
                let ob = problem.orders[jobs[b].members[0]]
                let ra = problem.travel(here.location, oa.location) + abs(oa.earliest - here.earliest) / 4
                let rb = problem.travel(here.location, ob.location) + abs(ob.earliest - here.earliest) / 4
                return (ra, a) < (rb, b)
            }
            chosen = pick(count, from: ranked, generator: &generator)
        default:
            let saving = savings(solution)
            let ranked = assigned.map { job in (job, jobs[job].members.reduce(0) { $0 + saving[$1] }) }
                .sorted { ($0.1, $0.0) > ($1.1, $1.0) }.map(\.0)
            chosen = pick(count, from: ranked, generator: &generator)
        }
        guard solution.remove(chosen.flatMap { jobs[$0].members }, problem: problem) else { return nil }
        return chosen.sorted()
    }

    /// Mostly from the front of `ranked`, sometimes further back.
    func pick(_ count: Int, from ranked: [Int], generator: inout SeededGenerator) -> [Int] {
        var pool = ranked
        var result: [Int] = []
        for _ in 0..<count {
            let u = generator.unit()
            result.append(pool.remove(at: Int(u * u * u * Double(pool.count))))
        }
        return result
    }

    /// Travel saved by taking each served order out of its route alone (0 for the others).
    func savings(_ solution: Solution) -> [Int] {
        var saving = [Int](repeating: 0, count: problem.orders.count)
        for route in solution.routes where !route.isEmpty {
            var previous = route.startLocation
            var index = 0
            let elements = route.elements
            while index < elements.count {
                if elements[index].isBreak {
                    index += 1
                    continue
                }
                var next = index + 1
                while next < elements.count && elements[next].isBreak { next += 1 }
                let here = elements[index].location
                let after = next < elements.count ? elements[next].location : route.endLocation
                saving[elements[index].order] =
                    problem.travel(previous, here) + problem.travel(here, after) - problem.travel(previous, after)
                previous = here
                index = next
            }
        }
        return saving
    }
}

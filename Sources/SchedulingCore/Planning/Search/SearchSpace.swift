/// What every operator of the search reads and none changes: the problem, its jobs (an order, or
/// a coordinated visit's orders together), each job's nearest neighbours, the insertion.
struct SearchSpace {
    let problem: PlanningProblem
    let jobs: [Job]
    /// The job of each order.
    let jobOf: [Int]
    /// For each job, the nearest other unlocked jobs (by travel between their first members),
    /// nearest first: 40 for ruining strings, the first 5 (`neighbours`) for pair moves.
    let adjacency: [[Int]]
    let neighbours: [[Int]]
    let insertion: Insertion
    /// Whether using a vehicle costs something (then emptying routes is worth trying).
    let vehiclesCost: Bool

    init(problem: PlanningProblem) {
        self.problem = problem
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

    /// The jobs of `free` the solution leaves out.
    func unassigned(_ solution: Solution, _ free: [Int]) -> [Int] {
        free.filter { solution.routeOf[jobs[$0].members[0]] < 0 }
    }

    /// The jobs of `free` the solution serves.
    func assigned(_ solution: Solution, _ free: [Int]) -> [Int] {
        free.filter { solution.routeOf[jobs[$0].members[0]] >= 0 }
    }

    /// The jobs with a member on `route`, ascending.
    func jobs(on route: Int, in solution: Solution) -> [Int] {
        Set(solution.routes[route].elements.filter { !$0.isBreak }.map { jobOf[$0.order] }).sorted()
    }
}

/// Takes jobs out of a solution (the ruin of ruin and recreate). Returns the jobs taken out, or nil
/// when the removal left a route infeasible (the solution is then unusable).
protocol RuinOperator {
    func ruin(_ solution: inout Solution, free: [Int], in space: SearchSpace, generator: inout SeededGenerator) -> [Int]?
}

/// Puts jobs back into a solution where they fit (the recreate); a job that fits nowhere stays out.
protocol RecreateOperator {
    func recreate(_ pending: [Int], into solution: inout Solution, in space: SearchSpace, generator: inout SeededGenerator)
}

/// A local move tried for one job of a solution: true when it made the whole plan better (the
/// solution is then changed), false when it left it as it was.
protocol LocalMove {
    func improve(_ job: Int, in solution: inout Solution, space: SearchSpace) -> Bool
}

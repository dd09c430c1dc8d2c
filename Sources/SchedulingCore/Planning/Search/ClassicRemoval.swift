/// Ruin by one of the classic rules (Shaw; Ropke & Pisinger): 2 to 30 jobs (about a quarter of
/// those served, at most), chosen at random, as a cluster near one job (travel and start times
/// alike), or the costliest (the most travel saved by taking each out alone), with a bias to the
/// front of the ranking.
struct ClassicRemoval: RuinOperator {
    func ruin(_ solution: inout Solution, free: [Int], in space: SearchSpace, generator: inout SeededGenerator) -> [Int]? {
        let assigned = space.assigned(solution, free)
        guard !assigned.isEmpty else { return [] }
        let count = min(assigned.count, 2 + generator.below(max(1, min(30, assigned.count / 4 + 2))))
        let problem = space.problem
        var chosen: [Int]
        switch generator.below(3) {
        case 0:
            var pool = assigned
            chosen = []
            for _ in 0..<count { chosen.append(pool.remove(at: generator.below(pool.count))) }
        case 1:
            let seed = assigned[generator.below(assigned.count)]
            let here = problem.orders[space.jobs[seed].members[0]]
            // Each job's relatedness computed once, then sorted (not twice per comparison).
            let ranked = assigned.map { job -> (Int, Int) in
                let order = problem.orders[space.jobs[job].members[0]]
                return (problem.travel(here.location, order.location) + abs(order.earliest - here.earliest) / 4, job)
            }.sorted { $0 < $1 }.map(\.1)
            chosen = Self.pick(count, from: ranked, generator: &generator)
        default:
            let saving = Self.savings(solution, problem)
            let ranked = assigned.map { job in (job, space.jobs[job].members.reduce(0) { $0 + saving[$1] }) }
                .sorted { ($0.1, $0.0) > ($1.1, $1.0) }.map(\.0)
            chosen = Self.pick(count, from: ranked, generator: &generator)
        }
        guard solution.remove(chosen.flatMap { space.jobs[$0].members }, problem: problem) else { return nil }
        return chosen.sorted()
    }

    /// Mostly from the front of `ranked`, sometimes further back.
    static func pick(_ count: Int, from ranked: [Int], generator: inout SeededGenerator) -> [Int] {
        var pool = ranked
        var result: [Int] = []
        for _ in 0..<count {
            let u = generator.unit()
            result.append(pool.remove(at: Int(u * u * u * Double(pool.count))))
        }
        return result
    }

    /// Travel saved by taking each served order out of its route alone (0 for the others).
    static func savings(_ solution: Solution, _ problem: PlanningProblem) -> [Int] {
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

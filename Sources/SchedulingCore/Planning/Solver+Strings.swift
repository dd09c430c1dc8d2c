/// Ruin by strings and greedy recreate with blinks, after Christiaens & Vanden Berghe, "Slack
/// induction by string removals for vehicle routing problems" (Transportation Science 54, 2020):
/// remove short runs of consecutive visits from a few routes near a random visit, so the
/// neighbouring routes get slack in the same place, then put the jobs back one by one in a
/// randomly chosen order, each at its cheapest position, skipping a few positions at random.
extension Solver {
    /// Removes up to a few strings of consecutive free jobs from routes near a random assigned job.
    /// Returns the removed jobs, or nil when the removal left a route infeasible.
    func removeStrings(_ solution: inout Solution, free: [Int], generator: inout SeededGenerator) -> [Int]? {
        let assigned = free.filter { solution.routeOf[jobs[$0].members[0]] >= 0 }
        guard !assigned.isEmpty else { return [] }
        let averageRemoved = 10.0
        let maximumString = 10.0
        var used = 0
        var served = 0
        for index in solution.routes.indices where solution.routes[index].orderCount > 0 {
            used += 1
            served += solution.routes[index].orderCount
        }
        let averageLength = Double(served) / Double(max(1, used))
        let stringLimit = max(1.0, min(maximumString, averageLength))
        let routeLimit = 4 * averageRemoved / (1 + stringLimit) - 1
        let routeCount = max(1, Int(1 + generator.unit() * routeLimit))
        let seed = assigned[generator.below(assigned.count)]

        var ruined = Set<Int>()
        var chosen = Set<Int>()
        for candidate in [seed] + adjacency[seed] {
            if ruined.count >= routeCount { break }
            let job = candidate
            let route = solution.routeOf[jobs[job].members[0]]
            guard route >= 0, !ruined.contains(route), !chosen.contains(job) else { continue }
            ruined.insert(route)
            // The route's visits as jobs, in order (a group's members count once).
            var sequence: [Int] = []
            for element in solution.routes[route].elements where !element.isBreak && !element.continuation {
                sequence.append(jobOf[element.order])
            }
            guard let at = sequence.firstIndex(of: job) else { continue }
            let length = 1 + generator.below(Int(min(Double(sequence.count), stringLimit)))
            let lowest = max(0, at - length + 1)
            let highest = min(at, sequence.count - length)
            let first = lowest + generator.below(highest - lowest + 1)
            for member in sequence[first..<(first + length)] where !jobs[member].locked { chosen.insert(member) }
        }
        let removed = chosen.sorted()
        guard solution.remove(removed.flatMap { jobs[$0].members }, problem: problem) else { return nil }
        return removed
    }

    /// Puts `pending` jobs back one at a time, higher priority first and, among equals, in one of
    /// several orders picked at random; each goes where it costs least, with a few positions
    /// skipped at random (blinks).
    func recreateGreedily(_ pending: [Int], into solution: inout Solution, generator: inout SeededGenerator) {
        let keys: [Int]
        let draw = generator.below(11)
        switch draw {
        case 0..<4:
            keys = pending.map { _ in generator.below(1 << 30) }
        case 4..<6:
            // Largest load first, or the longest when nothing has a load.
            keys = pending.map { job in
                let members = jobs[job].members
                let demand = members.reduce(0) { $0 + problem.orders[$1].demand }
                return -(demand > 0 ? demand : members.reduce(0) { $0 + problem.orders[$1].duration })
            }
        case 6..<8:
            keys = pending.map { -problem.travel(0, problem.orders[jobs[$0].members[0]].location) }
        case 8:
            keys = pending.map { problem.travel(0, problem.orders[jobs[$0].members[0]].location) }
        default:
            // Tightest window first.
            keys = pending.map { job in jobs[job].shapes[0].reduce(Int.max) { min($0, $1.latest - $1.earliest) } }
        }
        let ordered = pending.indices.sorted { a, b in
            let ja = jobs[pending[a]]
            let jb = jobs[pending[b]]
            // Priority bands of 200 weight points per member lead; the drawn order breaks ties.
            let pa = ja.weight / ja.members.count / 200
            let pb = jb.weight / jb.members.count / 200
            return (-pa, keys[a], pending[a]) < (-pb, keys[b], pending[b])
        }.map { pending[$0] }
        for job in ordered {
            if let (placement, _) = insertion.best(jobs[job], in: solution, skip: { _ in generator.below(100) == 0 }) {
                insertion.apply(placement, to: &solution)
            }
        }
    }

    /// Removes every free job of one of the three shortest routes, so the rest may absorb them.
    func removeShortRoute(_ solution: inout Solution, free: [Int], generator: inout SeededGenerator) -> [Int]? {
        let shortest = solution.routes.indices.filter { solution.routes[$0].orderCount > 0 }
            .sorted { (solution.routes[$0].orderCount, $0) < (solution.routes[$1].orderCount, $1) }.prefix(3)
        guard !shortest.isEmpty else { return [] }
        let route = shortest[shortest.startIndex + generator.below(shortest.count)]
        let removed = jobs(on: route, in: solution).filter { !jobs[$0].locked }
        guard solution.remove(removed.flatMap { jobs[$0].members }, problem: problem) else { return nil }
        return removed
    }

    /// The jobs with a member on `route`, ascending.
    func jobs(on route: Int, in solution: Solution) -> [Int] {
        Set(solution.routes[route].elements.filter { !$0.isBreak }.map { jobOf[$0.order] }).sorted()
    }
}

/// Ruin by strings, after Christiaens & Vanden Berghe, "Slack induction by string removals for
/// vehicle routing problems" (Transportation Science 54, 2020): remove short runs of consecutive
/// visits from a few routes near a random visit, so the neighbouring routes get slack in the same
/// place. About ten visits in all, strings at most ten long (or the average route's length).
struct StringRemoval: RuinOperator {
    var averageRemoved = 10.0
    var maximumString = 10.0

    func ruin(_ solution: inout Solution, free: [Int], in space: SearchSpace, generator: inout SeededGenerator) -> [Int]? {
        let assigned = space.assigned(solution, free)
        guard !assigned.isEmpty else { return [] }
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
        for job in [seed] + space.adjacency[seed] {
            if ruined.count >= routeCount { break }
            let route = solution.routeOf[space.jobs[job].members[0]]
            guard route >= 0, !ruined.contains(route), !chosen.contains(job) else { continue }
            ruined.insert(route)
            // The route's visits as jobs, in order (a group's members count once).
            var sequence: [Int] = []
            for element in solution.routes[route].elements where !element.isBreak && !element.continuation {
                sequence.append(space.jobOf[element.order])
            }
            guard let at = sequence.firstIndex(of: job) else { continue }
            let length = 1 + generator.below(Int(min(Double(sequence.count), stringLimit)))
            let lowest = max(0, at - length + 1)
            let highest = min(at, sequence.count - length)
            let first = lowest + generator.below(highest - lowest + 1)
            for member in sequence[first..<(first + length)] where !space.jobs[member].locked { chosen.insert(member) }
        }
        let removed = chosen.sorted()
        guard solution.remove(removed.flatMap { space.jobs[$0].members }, problem: space.problem) else { return nil }
        return removed
    }
}

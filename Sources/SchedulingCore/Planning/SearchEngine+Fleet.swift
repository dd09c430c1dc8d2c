/// Fewer vehicles, when using one costs something: empty the shortest route and search, with no
/// new route allowed, for a plan that serves everything again; repeat while that succeeds. After
/// the fleet minimisation of Christiaens & Vanden Berghe (2020): a candidate is kept when it leaves
/// fewer jobs out or, as many, jobs that have been unassigned less often so far (absence counts),
/// which steers the search towards placing the stubborn ones.
extension SearchEngine {
    /// Runs until `fraction` of the budget (time or iterations) is spent; returns the plan with
    /// the fewest routes that serves as much as `start`, and the iterations used.
    func reduceFleet(
        _ start: Solution, free: [Int], fraction: Double,
        generator: inout SeededGenerator
    ) -> (Solution, iterations: Int) {
        var best = start
        var current = start
        current.noNewRoutes = true
        var absences = [Int](repeating: 0, count: jobs.count)
        guard dropShortestRoute(&current, free: free, generator: &generator) else { return (start, 0) }
        var left = space.unassigned(current, free)
        let iterationLimit = options.iterations.map { Int(Double($0) * fraction) }
        let secondsLimit = options.seconds.map { $0 * fraction }
        var iteration = 0
        while true {
            if let iterationLimit, iteration >= iterationLimit { break }
            if iterationLimit == nil, let secondsLimit, elapsedSeconds() >= secondsLimit { break }
            if iterationLimit == nil && secondsLimit == nil && iteration >= 20 * options.patience { break }
            iteration += 1
            var candidate = current
            guard let removed = strings.ruin(&candidate, free: free, in: space, generator: &generator) else { continue }
            blinks.recreate(Array(Set(removed + left)).sorted(), into: &candidate, in: space, generator: &generator)
            let candidateLeft = space.unassigned(candidate, free)
            for job in candidateLeft { absences[job] += 1 }
            let weight = { (jobs: [Int]) in jobs.reduce(0) { $0 + absences[$1] } }
            if candidateLeft.count < left.count || (candidateLeft.count == left.count && weight(candidateLeft) < weight(left)) {
                current = candidate
                left = candidateLeft
            }
            // Nothing unassigned: as much served as at the start, with one route fewer.
            if left.isEmpty {
                best = current
                best.noNewRoutes = false
                guard dropShortestRoute(&current, free: free, generator: &generator) else { break }
                left = space.unassigned(current, free)
            }
        }
        return (best, iteration)
    }

    /// Empties the route with the fewest orders (ties at random); false if none can be emptied.
    private func dropShortestRoute(_ solution: inout Solution, free: [Int], generator: inout SeededGenerator) -> Bool {
        let used = solution.routes.indices.filter { solution.routes[$0].orderCount > 0 }
        guard used.count > 1 else { return false }
        let fewest = used.map { solution.routes[$0].orderCount }.min()!
        let shortest = used.filter { solution.routes[$0].orderCount == fewest }
        let route = shortest[generator.below(shortest.count)]
        let onRoute = space.jobs(on: route, in: solution)
        guard !onRoute.contains(where: { jobs[$0].locked }) else { return false }
        return solution.remove(onRoute.flatMap { jobs[$0].members }, problem: problem)
    }
}

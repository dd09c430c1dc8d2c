/// Local move between two routes: a visit `u` and a near visit `v` on another route change
/// places, each where the other was. Granular (u's nearest jobs only) and checked in O(1): the
/// route keeps its prefix (cached starts) and suffix (cached latest starts), and one visit in
/// between changes. Tried on visits of one order, unlocked and eligible for the other technician,
/// next to no break.
struct Exchange: LocalMove {
    var neighbourhood = 10

    func improve(_ job: Int, in solution: inout Solution, space: SearchSpace) -> Bool {
        guard let u = TwoOptStar.movable(job, space) else { return false }
        let first = solution.routeOf[u]
        guard first >= 0, let i = solution.routes[first].elements.firstIndex(where: { $0.order == u }) else { return false }
        for other in space.adjacency[job].prefix(neighbourhood) {
            guard let v = TwoOptStar.movable(other, space) else { continue }
            let second = solution.routeOf[v]
            guard second >= 0, second != first, let j = solution.routes[second].elements.firstIndex(where: { $0.order == v }) else {
                continue
            }
            if tryExchange(&solution, first: first, at: i, second: second, at: j, space: space) { return true }
        }
        return false
    }

    /// Whether `element` can stand at `position` of `route` instead of what is there, in O(1).
    private func fits(_ element: Route.Element, in route: Route, at position: Int, _ problem: PlanningProblem) -> Bool {
        let elements = route.elements
        if position > 0 && elements[position - 1].isBreak { return false }
        if position + 1 < elements.count && elements[position + 1].isBreak { return false }
        let previousLocation = position > 0 ? elements[position - 1].location : route.startLocation
        let leave = position > 0 ? route.start[position - 1] + elements[position - 1].duration : route.shiftStart
        let start = max(problem.arrival(previousLocation, element.location, leaving: leave), element.earliest)
        guard start <= element.latest else { return false }
        let done = start + element.duration
        if position + 1 < elements.count {
            let next = elements[position + 1]
            return max(problem.arrival(element.location, next.location, leaving: done), next.earliest) <= route.latest[position + 1]
        }
        return problem.arrival(element.location, route.endLocation, leaving: done) <= route.shiftEnd
    }

    private func tryExchange(_ solution: inout Solution, first: Int, at i: Int, second: Int, at j: Int, space: SearchSpace) -> Bool {
        let problem = space.problem
        let a = solution.routes[first]
        let b = solution.routes[second]
        let x = a.elements[i]
        let y = b.elements[j]
        guard fits(y, in: a, at: i, problem), fits(x, in: b, at: j, problem) else { return false }
        func around(_ route: Route, _ position: Int) -> (Int, Int) {
            (
                position > 0 ? route.elements[position - 1].location : route.startLocation,
                position + 1 < route.elements.count ? route.elements[position + 1].location : route.endLocation
            )
        }
        let (beforeA, afterA) = around(a, i)
        let (beforeB, afterB) = around(b, j)
        let saved =
            problem.travel(beforeA, x.location) + problem.travel(x.location, afterA) + problem.travel(beforeB, y.location)
            + problem.travel(y.location, afterB) - problem.travel(beforeA, y.location) - problem.travel(y.location, afterA)
            - problem.travel(beforeB, x.location) - problem.travel(x.location, afterB)
        guard saved > 0, problem.orders[y.order].eligible.contains(first), problem.orders[x.order].eligible.contains(second) else {
            return false
        }
        var newA = a
        newA.rearrange(problem) { $0[i] = y }
        var newB = b
        newB.rearrange(problem) { $0[j] = x }
        // One order in, one out: each crew's count for its quota stays.
        return solution.replaceIfCheaper(first, with: newA, second, with: newB, problem: problem)
    }
}

/// Local move between two routes: a visit `u` goes to another route, just before or just after
/// one of its nearest visits `v` there (the relocation of granular neighbourhoods, Toth & Vigo
/// 2003; HGS's RELOCATE). Checked in O(1): the insertion's own test on `v`'s route (its cached
/// start and latest-start times) and the travel saved on `u`'s route; only a move that saves
/// travel is built and priced in full. Between identical technicians' days without a break
/// (twins: one crew, so the quotas stay), on visits of one order, unlocked.
struct NearRelocate: LocalMove {
    var neighbourhood = 10

    // (The loop over near visits on twin routes is TwoOptStar's too; shared as one helper taking
    // the move as a closure it gave the same answers 5–30% slower, so each keeps its own.)
    func improve(_ job: Int, in solution: inout Solution, space: SearchSpace) -> Bool {
        let problem = space.problem
        guard let u = TwoOptStar.movable(job, space) else { return false }
        let first = solution.routeOf[u]
        guard first >= 0, !solution.routes[first].hasBreak, let i = solution.routes[first].elements.firstIndex(where: { $0.order == u })
        else { return false }
        for other in space.adjacency[job].prefix(neighbourhood) {
            guard let v = TwoOptStar.movable(other, space) else { continue }
            let second = solution.routeOf[v]
            guard second >= 0, second != first, problem.twinOf[first] == problem.twinOf[second], !solution.routes[second].hasBreak,
                problem.orders[u].eligible.contains(second), let j = solution.routes[second].elements.firstIndex(where: { $0.order == v })
            else { continue }
            if tryMove(&solution, from: first, at: i, to: second, at: j, space: space)
                || tryMove(&solution, from: first, at: i, to: second, at: j + 1, space: space)
            {
                return true
            }
        }
        return false
    }

    /// `u` (element `i` of route `first`) put before element `position` of route `second`.
    private func tryMove(_ solution: inout Solution, from first: Int, at i: Int, to second: Int, at position: Int, space: SearchSpace)
        -> Bool
    {
        let problem = space.problem
        let a = solution.routes[first]
        let b = solution.routes[second]
        let element = a.elements[i]
        guard b.load + problem.orders[element.order].demand <= b.capacity,
            let slot = b.insertion(
                at: position, location: element.location, duration: element.duration, earliest: element.earliest,
                latest: element.latest, problem: problem)
        else { return false }
        let before = i > 0 ? a.elements[i - 1].location : a.startLocation
        let after = i + 1 < a.elements.count ? a.elements[i + 1].location : a.endLocation
        let saved = problem.travel(before, element.location) + problem.travel(element.location, after) - problem.travel(before, after)
        guard saved > slot.extraTravel else { return false }
        var newA = a
        newA.rearrange(problem) { $0.remove(at: i) }
        var newB = b
        newB.rearrange(problem) { $0.insert(element, at: position) }
        return solution.replaceIfCheaper(first, with: newA, second, with: newB, problem: problem)
    }
}

/// Local move between two routes (2-opt*, Potvin & Rousseau 1995): a visit `u` on one route and
/// a near visit `v` on another swap their routes' tails — u's route goes on with v and what
/// follows it, v's former predecessor goes on with what followed u. On long routes this is the
/// move ruin and recreate rarely makes (it would have to take out both tails at once).
///
/// Granular (Toth & Vigo 2003): only `u`'s nearest jobs are tried as `v`. Each pair is checked in
/// O(1) from the routes' cached start and latest-start times (a concatenation of a prefix and a
/// suffix, Vidal et al. 2013); only a pair that is feasible and saves travel is built and priced
/// in full. Tried between identical technicians' days without a break (twins: the same shift,
/// end, capacity and crew), on visits of one order, unlocked and eligible for either technician.
struct TwoOptStar: LocalMove {
    /// How many of `u`'s nearest jobs are tried.
    var neighbourhood = 10

    func improve(_ job: Int, in solution: inout Solution, space: SearchSpace) -> Bool {
        let problem = space.problem
        guard let u = Self.movable(job, space) else { return false }
        let first = solution.routeOf[u]
        guard first >= 0, !solution.routes[first].hasBreak, let i = solution.routes[first].elements.firstIndex(where: { $0.order == u })
        else { return false }
        for other in space.adjacency[job].prefix(neighbourhood) {
            guard let v = Self.movable(other, space) else { continue }
            let second = solution.routeOf[v]
            guard second >= 0, second != first, problem.twinOf[first] == problem.twinOf[second], !solution.routes[second].hasBreak,
                let j = solution.routes[second].elements.firstIndex(where: { $0.order == v })
            else { continue }
            if tryExchange(&solution, first: first, after: i, second: second, from: j, space: space) { return true }
        }
        return false
    }

    /// The job's order when it is one unlocked order of no coordinated visit, free to go to any twin.
    static func movable(_ job: Int, _ space: SearchSpace) -> Int? {
        let members = space.jobs[job].members
        guard members.count == 1, !space.jobs[job].locked else { return nil }
        let order = space.problem.orders[members[0]]
        guard order.group < 0, order.fixedTechnician < 0 else { return nil }
        return members[0]
    }

    /// Route `first` keeps elements 0...i and takes route `second`'s from j on; `second` keeps
    /// its elements before j and takes `first`'s after i. Applied when it lowers the objective.
    private func tryExchange(_ solution: inout Solution, first: Int, after i: Int, second: Int, from j: Int, space: SearchSpace) -> Bool {
        let problem = space.problem
        let a = solution.routes[first]
        let b = solution.routes[second]
        // First route: a[i] then b[j].
        let leaveA = a.start[i] + a.elements[i].duration
        let arriveB = problem.arrival(a.elements[i].location, b.elements[j].location, leaving: leaveA)
        guard max(arriveB, b.elements[j].earliest) <= b.latest[j] else { return false }
        // Second route: b[j-1] (or its start) then a[i+1] (or home).
        let previousLocation = j > 0 ? b.elements[j - 1].location : b.startLocation
        let leaveB = j > 0 ? b.start[j - 1] + b.elements[j - 1].duration : b.shiftStart
        let nextLocation = i + 1 < a.elements.count ? a.elements[i + 1].location : a.endLocation
        let arriveA = problem.arrival(previousLocation, nextLocation, leaving: leaveB)
        if i + 1 < a.elements.count {
            guard max(arriveA, a.elements[i + 1].earliest) <= a.latest[i + 1] else { return false }
        } else if arriveA > b.shiftEnd {
            return false
        }
        // Saves travel? (Flat estimate; the exact price follows.)
        let afterI = i + 1 < a.elements.count ? a.elements[i + 1].location : a.endLocation
        let saved =
            problem.travel(a.elements[i].location, afterI) + problem.travel(previousLocation, b.elements[j].location)
            - problem.travel(a.elements[i].location, b.elements[j].location) - problem.travel(previousLocation, nextLocation)
        guard saved > 0 else { return false }
        let tailA = Array(a.elements[(i + 1)...])
        let tailB = Array(b.elements[j...])
        guard tailB.allSatisfy({ problem.orders[$0.order].eligible.contains(first) }),
            tailA.allSatisfy({ problem.orders[$0.order].eligible.contains(second) })
        else { return false }
        var newA = a
        newA.rearrange(problem) { elements in elements.replaceSubrange((i + 1)..., with: tailB) }
        var newB = b
        newB.rearrange(problem) { elements in elements.replaceSubrange(j..., with: tailA) }
        return solution.replaceIfCheaper(first, with: newA, second, with: newB, problem: problem)
    }
}

/// Finds where a job can go in a solution, and puts it there.
struct Insertion {
    let problem: PlanningProblem

    /// A block (members for one technician) at one route position.
    struct Candidate {
        let route: Int
        let position: Int
        let low: Int
        let high: Int
        let cost: Int
    }

    /// Price, outsourcing and lateness of putting `members` on `technician` starting at `start`.
    func serviceCost(_ members: [Int], technician: Int, start: Int) -> Int {
        var points = 0
        var time = start
        for member in members {
            points += problem.costs.visit(member, technician: technician, start: time, problem)
            time += problem.orders[member].duration
        }
        return points
    }

    /// Calls `body` with each route that may take the block (quota and capacity room), and the
    /// cost of opening it if empty. Of several empty routes of identical technicians only the first
    /// `emptyTwins` are offered: the block would fit each the same way (a job split in n parts may
    /// need n of them).
    func routes(for block: Job.Block, in solution: Solution, emptyTwins: Int = 1, _ body: (Int, borrowing Route, Int) -> Void) {
        var emptyTried: [Int] = []
        for technician in block.technicians where solution.quotaRoom(technician, problem) >= block.members.count {
            // The route's own copy of the capacity: copying the technician would copy its price table.
            if block.demand > 0 && solution.routes[technician].load + block.demand > solution.routes[technician].capacity { continue }
            if solution.routes[technician].isEmpty {
                if solution.noNewRoutes { continue }
                let twin = problem.twinOf[technician]
                if emptyTried.lazy.filter({ $0 == twin }).count >= emptyTwins { continue }
                emptyTried.append(twin)
                body(technician, solution.routes[technician], problem.technicians[technician].fixedCost)
            } else {
                body(technician, solution.routes[technician], 0)
            }
        }
    }

    /// Every feasible position of the block in the solution, cheapest first.
    func candidates(_ block: Job.Block, in solution: Solution, limit: Int = .max, emptyTwins: Int = 1) -> [Candidate] {
        guard block.earliest <= block.latest else { return [] }
        var found: [Candidate] = []
        routes(for: block, in: solution, emptyTwins: emptyTwins) { technician, route, opening in
            for position in 0...route.elements.count {
                // Starts only grow along a route: after a visit starting past the block's latest start,
                // nothing fits (a break may move earlier, being taken on arrival at the next stop).
                if position > 0 && route.start[position - 1] > block.latest && !route.elements[position - 1].isBreak { break }
                guard
                    let slot = route.insertion(
                        at: position, location: block.location, duration: block.duration, earliest: block.earliest,
                        latest: block.latest, problem: problem)
                else { continue }
                let cost =
                    opening + slot.extraTravel * problem.costs.travel(of: technician)
                    + serviceCost(block.members, technician: technician, start: slot.low)
                found.append(Candidate(route: technician, position: position, low: slot.low, high: slot.high, cost: cost))
            }
        }
        found.sort { ($0.cost, $0.route, $0.position) < ($1.cost, $1.route, $1.position) }
        return found.count > limit ? Array(found.prefix(limit)) : found
    }

    /// The cheapest position of the block on each route that can take it, without building lists.
    func bestPerRoute(
        _ block: Job.Block, in solution: Solution, skip: (Int) -> Bool = { _ in false }, only: Int? = nil, _ visit: (Candidate) -> Void
    ) {
        guard block.earliest <= block.latest else { return }
        routes(for: block, in: solution) { technician, route, opening in
            if let only, technician != only { return }
            var best: Candidate?
            for position in route.firstPosition(endingNoSoonerThan: block.earliest + block.duration)...route.elements.count {
                if position > 0 && route.start[position - 1] > block.latest && !route.elements[position - 1].isBreak { break }
                guard
                    let slot = route.insertion(
                        at: position, location: block.location, duration: block.duration, earliest: block.earliest,
                        latest: block.latest, problem: problem)
                else { continue }
                if skip(position) { continue }
                let travel = opening + slot.extraTravel * problem.costs.travel(of: technician)
                if let current = best, travel >= current.cost { continue }
                let cost = travel + serviceCost(block.members, technician: technician, start: slot.low)
                if best == nil || cost < best!.cost {
                    best = Candidate(route: technician, position: position, low: slot.low, high: slot.high, cost: cost)
                }
            }
            if let best { visit(best) }
        }
    }

    /// The cheapest placement of a job and the cost of the second-cheapest on another route (for regret).
    /// `skip` may pass over single-block positions (blinks).
    /// `only`: on that technician's route alone (a job done by one technician).
    func best(_ job: Job, in solution: Solution, skip: (Int) -> Bool = { _ in false }, only: Int? = nil) -> (Placement, second: Int)? {
        var best: Placement?
        var second = Int.max
        func offer(_ placement: Placement) {
            if let current = best {
                if placement.cost < current.cost {
                    if placement.parts[0].route != current.parts[0].route { second = current.cost }
                    best = placement
                } else if placement.cost < second && placement.parts[0].route != current.parts[0].route {
                    second = placement.cost
                }
            } else {
                best = placement
            }
        }
        for blocks in job.shapes {
            if blocks.count == 1 {
                bestPerRoute(blocks[0], in: solution, skip: skip, only: only) { candidate in
                    offer(
                        Placement(
                            parts: [.init(route: candidate.route, position: candidate.position, members: blocks[0].members)],
                            start: candidate.low, cost: candidate.cost))
                }
            } else if only == nil, let placement = synchronised(blocks, in: solution) {
                offer(placement)
            }
        }
        guard let best else { return nil }
        return (best, second)
    }

    /// Blocks on distinct technicians with one common start: the cheapest combination found
    /// among each block's cheapest positions.
    func synchronised(_ blocks: [Job.Block], in solution: Solution) -> Placement? {
        let lists = blocks.map { candidates($0, in: solution, limit: 24, emptyTwins: blocks.count) }
        guard lists.allSatisfy({ !$0.isEmpty }) else { return nil }
        var bestCost = Int.max
        var bestChoice: [Candidate] = []
        var chosen: [Candidate] = []
        func search(_ depth: Int, low: Int, high: Int, cost: Int) {
            if cost >= bestCost { return }
            if depth == lists.count {
                bestCost = cost
                bestChoice = chosen
                return
            }
            for candidate in lists[depth] {
                if cost + candidate.cost >= bestCost { break }
                if chosen.contains(where: { $0.route == candidate.route }) { continue }
                // Parts on technicians of one crew share its quota.
                let crew = problem.technicians[candidate.route].crew
                if crew >= 0 {
                    let used = zip(chosen, blocks).filter { problem.technicians[$0.0.route].crew == crew }
                        .reduce(0) { $0 + $1.1.members.count }
                    if used + blocks[depth].members.count > solution.quotaRoom(candidate.route, problem) { continue }
                }
                let newLow = max(low, candidate.low)
                let newHigh = min(high, candidate.high)
                if newLow > newHigh { continue }
                chosen.append(candidate)
                search(depth + 1, low: newLow, high: newHigh, cost: cost + candidate.cost)
                chosen.removeLast()
            }
        }
        search(0, low: Int.min / 4, high: Int.max / 4, cost: 0)
        guard !bestChoice.isEmpty else { return nil }
        let start = bestChoice.map(\.low).max()!
        let parts = zip(bestChoice, blocks).map { Placement.Part(route: $0.route, position: $0.position, members: $1.members) }
        return Placement(parts: parts, start: start, cost: bestCost)
    }

    /// Puts the job into the solution as the placement says.
    func apply(_ placement: Placement, to solution: inout Solution) {
        for part in placement.parts {
            var block: [Route.Element] = []
            let shape = Job.Block(part.members, problem: problem)
            for (index, member) in part.members.enumerated() {
                let order = problem.orders[member]
                if index == 0 {
                    let fixed = placement.synchronised
                    block.append(
                        Route.Element(
                            order: member, location: order.location, duration: order.duration,
                            earliest: fixed ? placement.start : shape.earliest, latest: fixed ? placement.start : shape.latest,
                            continuation: false))
                } else {
                    block.append(
                        Route.Element(
                            order: member, location: order.location, duration: order.duration,
                            earliest: Int.min / 4, latest: Int.max / 4, continuation: true))
                }
            }
            solution.place(block, route: part.route, position: part.position, problem: problem)
        }
        for part in placement.parts where solution.routes[part.route].hasBreak { solution.refreshBreak(part.route, problem: problem) }
    }
}

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

    /// The head's allowed start range and the block's length.
    func blockShape(_ members: [Int]) -> (location: Int, duration: Int, earliest: Int, latest: Int) {
        var earliest = Int.min / 4, latest = Int.max / 4, duration = 0
        for member in members {
            let order = problem.orders[member]
            earliest = max(earliest, order.earliest)
            latest = min(latest, order.latest)
            duration += order.duration
        }
        return (problem.orders[members[0]].location, duration, earliest, latest)
    }

    /// Technicians eligible for every member of the block.
    func technicians(for members: [Int]) -> [Int] {
        var result = problem.orders[members[0]].eligible
        for member in members.dropFirst() {
            let allowed = Set(problem.orders[member].eligible)
            result = result.filter { allowed.contains($0) }
        }
        return result
    }

    /// Price, outsourcing and lateness of putting `members` on `technician` starting at `start`.
    func serviceCost(_ members: [Int], technician: Int, start: Int) -> Int {
        let tech = problem.technicians[technician]
        var points = 0, time = start
        for member in members {
            let order = problem.orders[member]
            if tech.crew >= 0 {
                points += (tech.priceCents[problem.scenario.orders[member].type] ?? 0) / 100 * Objective.perHundredCents
                    + Objective.perOutsourcedOrder
            }
            if time > order.deadline { points += Objective.lateRepair + (time - order.deadline) * Objective.lateMinute }
            time += order.duration
        }
        return points
    }

    /// Every feasible position of the block in the solution, cheapest first per route.
    func candidates(_ members: [Int], in solution: Solution, limit: Int = .max) -> [Candidate] {
        let shape = blockShape(members)
        guard shape.earliest <= shape.latest else { return [] }
        var found: [Candidate] = []
        for technician in technicians(for: members) where solution.quotaRoom(technician, problem) >= members.count {
            let route = solution.routes[technician]
            for position in 0...route.elements.count {
                guard let slot = route.insertion(
                    at: position, location: shape.location, duration: shape.duration, earliest: shape.earliest,
                    latest: shape.latest, problem: problem) else { continue }
                let cost = slot.extraTravel * Objective.travelMinute + serviceCost(members, technician: technician, start: slot.low)
                found.append(Candidate(route: technician, position: position, low: slot.low, high: slot.high, cost: cost))
            }
        }
        found.sort { ($0.cost, $0.route, $0.position) < ($1.cost, $1.route, $1.position) }
        return found.count > limit ? Array(found.prefix(limit)) : found
    }

    /// The cheapest placement of a job and the cost of the second-cheapest on another route (for regret).
    func best(_ job: Job, in solution: Solution, noise: (inout Int) -> Void = { _ in }) -> (Placement, second: Int)? {
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
        for partition in job.partitions {
            if partition.count == 1 {
                var seenRoutes = Set<Int>()
                for candidate in candidates(partition[0], in: solution) where seenRoutes.insert(candidate.route).inserted {
                    var cost = candidate.cost
                    noise(&cost)
                    offer(Placement(parts: [.init(route: candidate.route, position: candidate.position, members: partition[0])],
                                    start: candidate.low, cost: cost))
                }
            } else if let placement = synchronised(partition, in: solution) {
                var noisy = placement
                var cost = placement.cost
                noise(&cost)
                noisy = Placement(parts: placement.parts, start: placement.start, cost: cost)
                offer(noisy)
            }
        }
        guard let best else { return nil }
        return (best, second)
    }

    /// Blocks on distinct technicians with one common start: the cheapest combination found
    /// among each block's cheapest positions.
    func synchronised(_ blocks: [[Int]], in solution: Solution) -> Placement? {
        let lists = blocks.map { candidates($0, in: solution, limit: 24) }
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
                    let used = zip(chosen, blocks).filter { problem.technicians[$0.0.route].crew == crew }.reduce(0) { $0 + $1.1.count }
                    if used + blocks[depth].count > solution.quotaRoom(candidate.route, problem) { continue }
                }
                let newLow = max(low, candidate.low), newHigh = min(high, candidate.high)
                if newLow > newHigh { continue }
                chosen.append(candidate)
                search(depth + 1, low: newLow, high: newHigh, cost: cost + candidate.cost)
                chosen.removeLast()
            }
        }
        search(0, low: Int.min / 4, high: Int.max / 4, cost: 0)
        guard !bestChoice.isEmpty else { return nil }
        let start = bestChoice.map(\.low).max()!
        let parts = zip(bestChoice, blocks).map { Placement.Part(route: $0.route, position: $0.position, members: $1) }
        return Placement(parts: parts, start: start, cost: bestCost)
    }

    /// Puts the job into the solution as the placement says.
    func apply(_ placement: Placement, to solution: inout Solution) {
        for part in placement.parts {
            var block: [Route.Element] = []
            let shape = blockShape(part.members)
            for (index, member) in part.members.enumerated() {
                let order = problem.orders[member]
                if index == 0 {
                    let fixed = placement.synchronised
                    block.append(Route.Element(
                        order: member, location: order.location, duration: order.duration,
                        earliest: fixed ? placement.start : shape.earliest, latest: fixed ? placement.start : shape.latest,
                        continuation: false))
                } else {
                    block.append(Route.Element(
                        order: member, location: order.location, duration: order.duration,
                        earliest: Int.min / 4, latest: Int.max / 4, continuation: true))
                }
            }
            solution.place(block, route: part.route, position: part.position, problem: problem)
        }
        for part in placement.parts { solution.refreshBreak(part.route, problem: problem) }
    }
}

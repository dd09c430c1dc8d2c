/// What the solver places or removes as one piece: an order, or a whole coordinated group.
struct Job {
    /// Member orders, fixed-start members first, then in file order.
    let members: [Int]
    let weight: Int
    let locked: Bool
    /// Ways to split the members into blocks, each block for a different technician starting
    /// together; the first way is all members with one technician, back to back.
    let partitions: [[[Int]]]
    /// The shape of every block of every partition, computed once.
    var shapes: [[Block]] = []

    /// One technician's share of a job: where, how long, when the head may start, and who may do it.
    struct Block {
        let members: [Int]
        let location: Int
        let duration: Int
        let demand: Int
        let earliest: Int
        let latest: Int
        let technicians: [Int]

        init(_ members: [Int], problem: PlanningProblem) {
            var earliest = Int.min / 4, latest = Int.max / 4, duration = 0, demand = 0
            var technicians = problem.orders[members[0]].eligible
            for member in members {
                let order = problem.orders[member]
                earliest = max(earliest, order.earliest)
                latest = min(latest, order.latest)
                duration += order.duration
                demand += order.demand
                if member != members[0] {
                    let allowed = Set(order.eligible)
                    technicians = technicians.filter { allowed.contains($0) }
                }
            }
            self.members = members
            self.location = problem.orders[members[0]].location
            self.duration = duration
            self.demand = demand
            self.earliest = earliest
            self.latest = latest
            self.technicians = technicians
        }
    }

    static func all(_ problem: PlanningProblem) -> [Job] {
        var jobs = plain(problem)
        for index in jobs.indices {
            jobs[index].shapes = jobs[index].partitions.map { $0.map { Block($0, problem: problem) } }
        }
        return jobs
    }

    private static func plain(_ problem: PlanningProblem) -> [Job] {
        var jobs: [Job] = []
        for (index, order) in problem.orders.enumerated() where order.group < 0 {
            jobs.append(Job(members: [index], weight: order.weight, locked: order.locked, partitions: [[[index]]]))
        }
        for (group, members) in problem.groups.enumerated() where !members.isEmpty {
            let sorted = members.sorted { (problem.orders[$0].fixedStart >= 0 ? 0 : 1, $0) < (problem.orders[$1].fixedStart >= 0 ? 0 : 1, $1) }
            jobs.append(Job(
                members: sorted, weight: sorted.reduce(0) { $0 + problem.orders[$1].weight },
                locked: sorted.contains { problem.orders[$0].locked },
                partitions: problem.separateGroups.contains(group) ? [sorted.map { [$0] }] : partitions(of: sorted)))
        }
        return jobs
    }

    /// Set partitions with the all-in-one first; beyond four members only that and all singletons.
    static func partitions(of members: [Int]) -> [[[Int]]] {
        guard members.count > 1 else { return [[members]] }
        guard members.count <= 4 else { return [[members], members.map { [$0] }] }
        var result: [[[Int]]] = [[]]
        for member in members {
            var next: [[[Int]]] = []
            for partition in result {
                for index in partition.indices {
                    var grown = partition
                    grown[index].append(member)
                    next.append(grown)
                }
                next.append(partition + [[member]])
            }
            result = next
        }
        return result.sorted { $0.count < $1.count }
    }
}

/// A way to place a job: one block per part, each on its own route at a position, all starting at `start`
/// (for a single block, `start` is simply its earliest feasible start).
struct Placement {
    struct Part {
        let route: Int
        let position: Int
        let members: [Int]
    }

    let parts: [Part]
    let start: Int
    let cost: Int
    /// True when the job is split over several technicians, whose heads are then fixed at `start`.
    var synchronised: Bool { parts.count > 1 }
}

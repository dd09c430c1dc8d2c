/// What the solver places or removes as one piece: an order, or a whole coordinated group.
struct Job {
    /// Member orders, fixed-start members first, then in file order.
    let members: [Int]
    let weight: Int
    let locked: Bool
    /// Ways to split the members into blocks, each block for a different technician starting
    /// together; the first way is all members with one technician, back to back.
    let partitions: [[[Int]]]

    static func all(_ problem: PlanningProblem) -> [Job] {
        var jobs: [Job] = []
        for (index, order) in problem.orders.enumerated() where order.group < 0 {
            jobs.append(Job(members: [index], weight: order.weight, locked: order.locked, partitions: [[[index]]]))
        }
        for members in problem.groups where !members.isEmpty {
            let sorted = members.sorted { (problem.orders[$0].fixedStart >= 0 ? 0 : 1, $0) < (problem.orders[$1].fixedStart >= 0 ? 0 : 1, $1) }
            jobs.append(Job(
                members: sorted, weight: sorted.reduce(0) { $0 + problem.orders[$1].weight },
                locked: sorted.contains { problem.orders[$0].locked }, partitions: partitions(of: sorted)))
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

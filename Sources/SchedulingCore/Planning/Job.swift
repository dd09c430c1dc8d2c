/// What the solver places or removes as one piece: an order, or a whole coordinated group (of
/// a group that has arrived, one technician's share of it, or its members not yet fixed).
struct Job {
    /// Member orders, fixed-start members first, then in file order.
    let members: [Int]
    let weight: Int
    let locked: Bool
    /// The job's first member placed is its group's contact (the whole group, or of an arrived
    /// group the share that arrived first).
    var leads = false
    /// Technicians the job may not go to (of an arrived group's members not yet fixed: those
    /// already doing a share of it, whose members run back to back).
    var excluded: Set<Int> = []
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
        var technicians: [Int]

        init(_ members: [Int], problem: PlanningProblem) {
            var earliest = Int.min / 4
            var latest = Int.max / 4
            var duration = 0
            var demand = 0
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
            let excluded = jobs[index].excluded
            jobs[index].shapes = jobs[index].partitions.map {
                $0.map { members in
                    var block = Block(members, problem: problem)
                    if !excluded.isEmpty { block.technicians.removeAll { excluded.contains($0) } }
                    return block
                }
            }
        }
        return jobs
    }

    private static func plain(_ problem: PlanningProblem) -> [Job] {
        var jobs: [Job] = []
        for (index, order) in problem.orders.enumerated() where order.group < 0 {
            jobs.append(Job(members: [index], weight: order.weight, locked: order.locked, partitions: [[[index]]]))
        }
        for (group, members) in problem.groups.enumerated() where !members.isEmpty {
            if problem.arrivedGroups.contains(group) {
                jobs += arrived(members, problem: problem)
                continue
            }
            let sorted = members.sorted {
                (problem.orders[$0].fixedStart >= 0 ? 0 : 1, $0) < (problem.orders[$1].fixedStart >= 0 ? 0 : 1, $1)
            }
            jobs.append(
                Job(
                    members: sorted, weight: sorted.reduce(0) { $0 + problem.orders[$1].weight },
                    locked: sorted.contains { problem.orders[$0].locked }, leads: true,
                    partitions: problem.separateGroups.contains(group) ? [sorted.map { [$0] }] : partitions(of: sorted)))
        }
        return jobs
    }

    /// The jobs of a group that has arrived (`PlanningProblem.arrivedGroups`): each technician
    /// with a locked member does their share (that member, and those pinned to them) back to back
    /// from each lock; the part with the first locked member (in file order) leads. The
    /// other members go together, as one job, to technicians doing no share.
    private static func arrived(_ members: [Int], problem: PlanningProblem) -> [Job] {
        let orders = problem.orders
        let sharing = Set(members.filter { orders[$0].locked }.map { orders[$0].fixedTechnician })
        var shares: [Int: [Int]] = [:]
        var rest: [Int] = []
        for member in members {
            if sharing.contains(orders[member].fixedTechnician) {
                shares[orders[member].fixedTechnician, default: []].append(member)
            } else {
                rest.append(member)
            }
        }
        func rank(_ member: Int) -> (Int, Int) { (orders[member].fixedStart >= 0 ? orders[member].fixedStart : Int.max, member) }
        // A share runs back to back from each locked member on: a member locked later than the one
        // before it ends (the first half overran, the second is delayed) starts where it is locked.
        var jobs: [Job] = []
        for share in shares.values {
            var runs: [[Int]] = []
            for member in share.sorted(by: { rank($0) < rank($1) }) {
                if orders[member].locked, !runs.isEmpty, runs[runs.count - 1].contains(where: { orders[$0].locked }) {
                    runs.append([member])
                } else if runs.isEmpty {
                    runs = [[member]]
                } else {
                    runs[runs.count - 1].append(member)
                }
            }
            jobs += runs.map { Job(members: $0, weight: $0.reduce(0) { $0 + orders[$1].weight }, locked: true, partitions: [[$0]]) }
        }
        // The contact stays whose it was when the halves started together: the first locked member's.
        func firstLocked(_ job: Job) -> Int { job.members.filter { orders[$0].locked }.min() ?? Int.max }
        jobs.sort { firstLocked($0) < firstLocked($1) }
        jobs[0].leads = true
        if !rest.isEmpty {
            var job = Job(members: rest, weight: rest.reduce(0) { $0 + orders[$1].weight }, locked: false, partitions: partitions(of: rest))
            job.excluded = sharing
            jobs.append(job)
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

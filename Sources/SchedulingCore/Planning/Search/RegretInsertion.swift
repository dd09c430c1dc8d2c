/// Recreate by regret: of the jobs still out, the one with the greatest priority and regret (what
/// it loses if its best route is taken) goes first, to its cheapest position; repeated until none
/// fits. Deterministic.
struct RegretInsertion: RecreateOperator {
    func recreate(_ pending: [Int], into solution: inout Solution, in space: SearchSpace, generator: inout SeededGenerator) {
        recreate(pending, into: &solution, in: space)
    }

    func recreate(_ pending: [Int], into solution: inout Solution, in space: SearchSpace) {
        let cap = 50 * CostEvaluator.travelMinute
        var pending = pending
        while !pending.isEmpty {
            var chosen = -1
            var chosenKey = Int.min
            var chosenPlacement: Placement?
            var stuck: [Int] = []
            for (slot, job) in pending.enumerated() {
                guard let (placement, second) = space.insertion.best(space.jobs[job], in: solution) else {
                    stuck.append(slot)
                    continue
                }
                let regret = second == Int.max ? cap : min(second - placement.cost, cap)
                // Regret leads; priority (weights differ by up to ~1000) is worth up to ~100 travel minutes of it.
                let key = space.jobs[job].weight * 100 / max(1, space.jobs[job].members.count) + regret
                if key > chosenKey {
                    chosenKey = key
                    chosen = slot
                    chosenPlacement = placement
                }
            }
            guard let placement = chosenPlacement else { return }
            space.insertion.apply(placement, to: &solution)
            for slot in (stuck + [chosen]).sorted(by: >) { pending.remove(at: slot) }
        }
    }
}

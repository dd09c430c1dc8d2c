/// Reordering moves inside one route: or-opt (move a run of up to three visits elsewhere in
/// the route) and 2-opt (reverse a run). Each candidate is checked by recomputing the route.
extension Route {
    /// A run of elements that may move as a piece: no break inside, and no coordinated block cut.
    private func isMovable(_ start: Int, _ length: Int) -> Bool {
        let end = start + length
        guard end <= elements.count, !elements[start].continuation else { return false }
        if end < elements.count && elements[end].continuation { return false }
        return !elements[start..<end].contains { $0.isBreak }
    }

    /// Applies the first improving or-opt or 2-opt move repeatedly; true if the route changed.
    mutating func improveSequence(_ problem: PlanningProblem) -> Bool {
        var bestCost = problem.costs.route(self, problem)
        var changedAny = false
        var rounds = 0
        search: while rounds < 20 {
            rounds += 1
            let count = elements.count
            for length in 1...3 {
                for from in 0..<count where isMovable(from, length) {
                    let run = Array(elements[from..<(from + length)])
                    for target in 0...(count - length) where target != from {
                        var rest = elements
                        rest.removeSubrange(from..<(from + length))
                        if target < rest.count && rest[target].continuation { continue }
                        rest.insert(contentsOf: run, at: target)
                        var trial = self
                        trial.rearrange(problem) { $0 = rest }
                        if trial.feasible, case let trialCost = problem.costs.route(trial, problem), trialCost < bestCost {
                            self = trial
                            bestCost = trialCost
                            changedAny = true
                            continue search
                        }
                    }
                }
            }
            for from in 0..<count {
                for length in 2...max(2, min(8, count - from)) where isMovable(from, length) {
                    guard !elements[from..<(from + length)].contains(where: { $0.continuation }) else { continue }
                    var trial = self
                    trial.rearrange(problem) { $0[from..<(from + length)].reverse() }
                    if trial.feasible, case let trialCost = problem.costs.route(trial, problem), trialCost < bestCost {
                        self = trial
                        bestCost = trialCost
                        changedAny = true
                        continue search
                    }
                }
            }
            break
        }
        return changedAny
    }
}

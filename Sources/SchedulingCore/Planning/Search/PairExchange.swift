/// Local move: take a job and each of its five nearest jobs served on another route out together,
/// and put both back by regret (an exchange, a double relocation or the same plan).
struct PairExchange: LocalMove {
    func improve(_ job: Int, in solution: inout Solution, space: SearchSpace) -> Bool {
        var improved = false
        for other in space.neighbours[job] {
            let here = solution.routeOf[space.jobs[job].members[0]]
            let there = solution.routeOf[space.jobs[other].members[0]]
            guard here >= 0, there >= 0, here != there, !space.jobs[other].locked else { continue }
            var trial = solution
            guard trial.remove(space.jobs[job].members + space.jobs[other].members, problem: space.problem) else { continue }
            RegretInsertion().recreate([job, other], into: &trial, in: space)
            if trial.objective < solution.objective {
                solution = trial
                improved = true
            }
        }
        return improved
    }
}

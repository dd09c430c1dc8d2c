/// Local move: take a job out and put it back where it costs least (its own route included).
struct Relocate: LocalMove {
    func improve(_ job: Int, in solution: inout Solution, space: SearchSpace) -> Bool {
        var trial = solution
        guard trial.remove(space.jobs[job].members, problem: space.problem),
            let (placement, _) = space.insertion.best(space.jobs[job], in: trial)
        else { return false }
        space.insertion.apply(placement, to: &trial)
        guard trial.objective < solution.objective else { return false }
        solution = trial
        return true
    }
}

/// Greedy recreate with blinks (Christiaens & Vanden Berghe 2020): jobs go back one at a time,
/// higher priority first and, among equals, in one of several orders drawn at random (random,
/// largest, farthest, closest, tightest window); each where it costs least, with one position in
/// a hundred skipped at random.
struct BlinkInsertion: RecreateOperator {
    func recreate(_ pending: [Int], into solution: inout Solution, in space: SearchSpace, generator: inout SeededGenerator) {
        let problem = space.problem
        let jobs = space.jobs
        let keys: [Int]
        switch generator.below(11) {
        case 0..<4:
            keys = pending.map { _ in generator.below(1 << 30) }
        case 4..<6:
            // Largest load first, or the longest when nothing has a load.
            keys = pending.map { job in
                let members = jobs[job].members
                let demand = members.reduce(0) { $0 + problem.orders[$1].demand }
                return -(demand > 0 ? demand : members.reduce(0) { $0 + problem.orders[$1].duration })
            }
        case 6..<8:
            keys = pending.map { -problem.travel(0, problem.orders[jobs[$0].members[0]].location) }
        case 8:
            keys = pending.map { problem.travel(0, problem.orders[jobs[$0].members[0]].location) }
        default:
            // Tightest window first.
            keys = pending.map { job in jobs[job].shapes[0].reduce(Int.max) { min($0, $1.latest - $1.earliest) } }
        }
        let ordered = pending.indices.sorted { a, b in
            let ja = jobs[pending[a]]
            let jb = jobs[pending[b]]
            // Priority bands of 200 weight points per member lead; the drawn order breaks ties.
            let pa = ja.weight / ja.members.count / 200
            let pb = jb.weight / jb.members.count / 200
            return (-pa, keys[a], pending[a]) < (-pb, keys[b], pending[b])
        }.map { pending[$0] }
        for job in ordered {
            if let (placement, _) = space.insertion.best(jobs[job], in: solution, skip: { _ in generator.below(100) == 0 }) {
                space.insertion.apply(placement, to: &solution)
            }
        }
    }
}

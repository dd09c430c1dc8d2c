import Foundation

/// Ruin and recreate under simulated annealing, in one search or several side by side.
extension SearchEngine {
    /// One annealing search: its current and best plans, its own random stream, its counters.
    struct SearchRun {
        var current: Solution
        var best: Solution
        var generator: SeededGenerator
        var iteration = 0
        var sinceBest = 0
        var finished = false
    }

    /// How many times side-by-side searches share their best plan: at equal shares of the budget.
    static let syncs = 16

    /// The search's own random stream: search 0 goes on with the construction's, search k > 0
    /// starts one of its own from the seed.
    static func generator(of search: Int, seed: UInt64, first: SeededGenerator) -> SeededGenerator {
        search == 0 ? first : SeededGenerator(seed: seed &+ UInt64(search) &* 0xD1B5_4A32_D192_ED03)
    }

    /// `spent` iterations of the budget went to an earlier phase; the cooling schedule runs over
    /// what is left. Several searches (`options.searches`) run in rounds: each to the next share
    /// of the budget (by iterations, or by seconds), then each search whose best is worse than
    /// the best of all takes that one up (the lowest-numbered search's among equals), so the plan
    /// depends on the seed, the budget and the number of searches, not on the threads.
    func improve(_ start: Solution, generator: inout SeededGenerator, spent: Int = 0) -> (Solution, iterations: Int) {
        guard !free.isEmpty else { return (start, 0) }
        let stopping = Stopping(options, spent: spent, now: elapsedSeconds())
        let annealing = Annealing(start: start, problem: problem)
        let count = max(1, options.searches)
        var runs = (0..<count).map { search in
            SearchRun(current: start, best: start, generator: Self.generator(of: search, seed: options.seed, first: generator))
        }
        defer { report(runs.reduce(0) { $0 + $1.iteration }, elapsedSeconds(), runs[0].best) }
        if count == 1 {
            run(&runs[0], stopping: stopping, annealing: annealing, untilIteration: .max, untilSecond: .infinity, reports: true)
        } else {
            let threads = options.threads
            for round in 1...Self.syncs {
                // Where this round ends: a share of the iteration budget, or of the seconds left
                // when the phase began (with neither, a share of five patiences).
                let fraction = Double(round) / Double(Self.syncs)
                let last = round == Self.syncs
                let (untilIteration, untilSecond): (Int, Double) =
                    switch stopping.budget {
                    case .iterations(let limit): (last ? limit : Int(Double(limit) * fraction), .infinity)
                    case .seconds(let seconds, let from, _): (.max, last ? seconds : from + (seconds - from) * fraction)
                    case .patience: (last ? .max : Int(Double(5 * options.patience) * fraction), .infinity)
                    }
                let before = runs
                runs = Parallel.map(count, workers: threads) { search in
                    var next = before[search]
                    if !next.finished {
                        run(
                            &next, stopping: stopping, annealing: annealing, untilIteration: untilIteration, untilSecond: untilSecond,
                            reports: search == 0)
                    }
                    return next
                }
                if runs.allSatisfy(\.finished) { break }
                share(&runs)
            }
        }
        generator = runs[0].generator
        var best = runs[0].best
        for other in runs.dropFirst() where other.best.objective < best.objective { best = other.best }
        // Reordering inside routes pays off once, on the plan that is kept; during the search it
        // costs more time than it saves.
        if options.iterations != 0 { reorderRoutes(&best) }
        return (best, runs.reduce(0) { $0 + $1.iteration })
    }

    /// Up to this many free jobs, every job an iteration puts back gets the moves between routes,
    /// and a new best plan the descent over all jobs; beyond, only a new best gets them, over the
    /// jobs on the routes the iteration changed. A large day's routes are short (the moves bring
    /// little there) and it finds a new best at most iterations while it fills up: on a generated
    /// 2,000-order day, 30 s, one thread, the moves everywhere served 998 against 1,016 without
    /// them, and at 20,000 iterations 976 against 978 in 9.3 s against 7.9 s.
    static let wholeDescent = 250

    /// Tail swaps and exchanges for each of `jobs` until none lowers the objective (on each new
    /// best plan: rare once the search settles).
    func descend(_ solution: inout Solution, jobs: [Int]) {
        var improved = true
        while improved {
            improved = false
            for job in jobs {
                if tailExchange.improve(job, in: &solution, space: space) { improved = true }
                if exchange.improve(job, in: &solution, space: space) { improved = true }
                if nearRelocate.improve(job, in: &solution, space: space) { improved = true }
            }
        }
    }

    /// Each search whose best is worse than the best of all goes on from that one.
    func share(_ runs: inout [SearchRun]) {
        var leader = 0
        for index in runs.indices where runs[index].best.objective < runs[leader].best.objective { leader = index }
        for index in runs.indices where runs[index].best.objective > runs[leader].best.objective {
            runs[index].best = runs[leader].best
            runs[index].current = runs[leader].best
        }
    }

    /// Iterations of one search until the budget is spent (then `finished`) or the round ends.
    func run(
        _ search: inout SearchRun, stopping: Stopping, annealing: Annealing, untilIteration: Int, untilSecond: Double, reports: Bool
    ) {
        var nextReport = elapsedSeconds().rounded(.down) + 1
        while search.iteration < untilIteration {
            if reports, options.progress != nil, search.iteration % 16 == 0, elapsedSeconds() >= nextReport {
                report(search.iteration, elapsedSeconds(), search.best)
                nextReport += 1
            }
            guard let progress = stopping.progress(iteration: search.iteration, sinceBest: search.sinceBest, clock: elapsedSeconds) else {
                search.finished = true
                return
            }
            if untilSecond.isFinite && elapsedSeconds() >= untilSecond { return }
            iterate(&search, temperatureAt: progress, annealing: annealing)
        }
    }

    /// One ruin and recreate: the ruined jobs and up to eight waiting ones go back; the result is
    /// accepted or not by annealing.
    func iterate(_ search: inout SearchRun, temperatureAt progress: Double, annealing: Annealing) {
        var candidate = search.current
        guard let removed = ruin(&candidate, generator: &search.generator) else {
            search.iteration += 1
            search.sinceBest += 1
            return
        }
        let waiting = space.unassigned(candidate, free).filter { !removed.contains($0) }
        var pending = removed
        if !waiting.isEmpty {
            for _ in 0..<min(8, waiting.count) { pending.append(waiting[search.generator.below(waiting.count)]) }
            pending = Array(Set(pending)).sorted()
        }
        blinks.recreate(pending, into: &candidate, in: space, generator: &search.generator)
        // The jobs put back meet their neighbours on other routes: tails swapped, places exchanged
        // (on a small day; a large one gets them on each new best, where its routes changed).
        if free.count <= Self.wholeDescent {
            for job in pending { _ = tailExchange.improve(job, in: &candidate, space: space) }
            for job in pending { _ = exchange.improve(job, in: &candidate, space: space) }
            for job in pending { _ = nearRelocate.improve(job, in: &candidate, space: space) }
        }
        // Where the ruined jobs were (the plan before this iteration), for a large day's descent.
        let origins = free.count > Self.wholeDescent ? removed.map { search.current.routeOf[jobs[$0].members[0]] } : []
        let delta = Double(candidate.objective - search.current.objective)
        if annealing.accepts(delta, at: progress, generator: &search.generator) { search.current = candidate }
        if search.current.objective < search.best.objective {
            if free.count <= Self.wholeDescent {
                descend(&search.current, jobs: free)
            } else {
                // The routes the ruin took jobs from and the recreate put them on.
                var touched = Set(origins)
                for job in pending { touched.insert(candidate.routeOf[jobs[job].members[0]]) }
                touched.remove(-1)
                let onTouched = touched.sorted().flatMap { space.jobs(on: $0, in: search.current) }.filter { !jobs[$0].locked }
                descend(&search.current, jobs: onTouched)
            }
            search.best = search.current
            search.sinceBest = 0
        } else {
            search.sinceBest += 1
        }
        search.iteration += 1
    }
}

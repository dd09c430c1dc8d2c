import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

/// How a nightly run goes.
public struct NightlyOptions: Sendable {
    /// The first day to plan; default tomorrow where the operator works.
    public var firstDay: LocalDate?
    public var days: Int
    /// Search time for a day planned from scratch (no published plan yet) or searched again
    /// (anything changed since a nightly run last searched it); shared among its units when
    /// distributed, and among the rounds the three searches of a re-optimisation take on the
    /// `threads` (three rounds on one thread, two on two, one on three or more).
    public var seconds: Double
    /// A search budget in iterations instead of `seconds` (the same plan on any machine, for a
    /// seed: tests and reproductions), each search's whole; nil: `seconds`.
    public var iterations: Int?
    public var dryRun: Bool
    public var seed: UInt64
    /// Searches side by side in each day's (or unit's) search, and the threads they run on
    /// (`SolverOptions.searches`, `threads`): the plan depends on the searches, not the threads.
    public var searches = 1
    public var threads = 1
    /// Plan each day through the unit queue (`nightly_units`): its independent territory groups
    /// are planned by `dispatch nightly worker` processes, here or on other machines, and this
    /// run merges and publishes them. Off: every day is planned in this process.
    public var distributed: Bool
    /// A unit whose workers died this many times (its lease ran out each time) fails the run.
    public var maxUnitAttempts = 3
    /// Wall-clock seconds a distributed run waits for its units before it fails.
    public var deadlineSeconds: Double = 3600
    /// Whether the workers this process started are still there (nil: workers run elsewhere).
    /// When all have died and units are left, the run fails within seconds instead of waiting.
    public var workersAlive: (@Sendable () -> Bool)?
    /// Called with each day and the orders carried onto it, after the day was computed and before
    /// it is written (a test makes the day move there, as a busy evening does).
    public var beforeWriting: (@Sendable (LocalDate, [String]) async throws -> Void)?
    /// After the run (not a dry run), the event feed's events older than this many days are
    /// pruned, with expired idempotency keys and slot offers (`pruneEvents`); nil prunes nothing.
    public var keepEventsDays: Int? = 7

    public init(
        firstDay: LocalDate? = nil, days: Int = 1, seconds: Double = 10, dryRun: Bool = false, seed: UInt64 = 1,
        distributed: Bool = false
    ) {
        self.firstDay = firstDay
        self.days = days
        self.seconds = seconds
        self.dryRun = dryRun
        self.seed = seed
        self.distributed = distributed
    }
}

extension NightlyOptions {
    /// What each day's search may spend.
    var budget: SearchBudget { SearchBudget(seconds: seconds, iterations: iterations, searches: searches, threads: threads) }
}

/// A search's budget: wall-clock seconds, or iterations (the same plan on any machine).
struct SearchBudget: Sendable {
    var seconds: Double
    var iterations: Int?
    /// Searches side by side, and the threads they run on (`SolverOptions`).
    var searches = 1
    var threads = 1

    /// The budget of each of `parts` searches run side by side on the threads: the wall-clock
    /// seconds shared by the rounds it takes (three searches on two threads: two rounds), each
    /// search on its share of the threads; an iteration budget is each search's whole.
    func shared(by parts: Int) -> (each: SearchBudget, workers: Int) {
        let workers = max(1, min(threads, parts))
        let rounds = (parts + workers - 1) / workers
        let each = SearchBudget(
            seconds: seconds / Double(rounds), iterations: iterations, searches: searches, threads: max(1, threads / parts))
        return (each, workers)
    }

    /// The solver's options for `seed`, at least `atLeast` seconds when time is the budget.
    func options(seed: UInt64, atLeast: Double = 0) -> SolverOptions {
        var options =
            iterations.map { SolverOptions(seed: seed, iterations: $0) }
            ?? SolverOptions(seed: seed, seconds: max(atLeast, seconds), useAllTime: true)
        options.searches = searches
        options.threads = threads
        return options
    }
}

/// What a nightly run did.
public struct NightlyReport: Sendable {
    public var run: Int
    public var firstDay: LocalDate
    public var diffs: [NightlyDayDiff]
    /// `published`, `unchanged`, `dry_run` or `interrupted`.
    public var outcome: NightlyOutcome
    /// Orders that fit on none of the days planned (unassigned at the end of the run).
    public var unassigned: [String]
    /// Events older than `NightlyOptions.keepEventsDays` the run pruned from the feed.
    public var eventsPruned = 0
}

extension DispatchOperations {
    /// Re-plans the coming days and publishes a new plan version for each day that changed.
    ///
    /// Promises are kept: every published visit stays with its technician at its start while it
    /// still fits (notified ones always; booked ones inside their windows); visits of an absent
    /// technician go to others inside their windows, or to rebooking with a notice; orders not yet
    /// planned go where they cost least, promised and high-priority work first, and what does not
    /// fit a day moves on to the next (`days`), earliest deadline and highest priority first. A
    /// day with nothing new publishes nothing, so running twice changes nothing the second time.
    /// One run at a time: a second one gets a `busy` error. `stop` is asked between days and
    /// while workers plan a day's units.
    ///
    /// `whenLocked` runs once the run lock is held, before anything else (the CLI starts its
    /// local workers there, so a run refused as busy never starts any).
    public func nightly(
        _ options: NightlyOptions, actor: String = "nightly", stop: @escaping @Sendable () -> Bool = { false },
        whenLocked: () throws -> Void = {},
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> NightlyReport {
        guard (1...31).contains(options.days) else { throw OperationError.badInput("a nightly run covers between 1 and 31 days") }
        let locked: Bool
        do { locked = try await store.tryRunLock("nightly") } catch { throw OperationError.from(error) }
        guard locked else {
            throw OperationError(.busy, "another nightly run is under way (it holds the nightly lock); this one did nothing")
        }
        do {
            try whenLocked()
            var report = try await nightlyLocked(options, actor: actor, stop: stop, progress: progress)
            // The feed's retention, kept by the job every operator runs anyway; a failure here
            // leaves the plans published and is said (the next run prunes what this one left).
            if let keep = options.keepEventsDays, !options.dryRun {
                do { report.eventsPruned = try await pruneEvents(keepDays: keep) } catch {
                    progress("events not pruned: \(OperationError.from(error).message)")
                }
            }
            await store.releaseRunLock("nightly")
            return report
        } catch {
            await store.releaseRunLock("nightly")
            throw error
        }
    }

    private func nightlyLocked(_ options: NightlyOptions, actor: String, stop: @Sendable () -> Bool, progress: @Sendable (String) -> Void)
        async throws -> NightlyReport
    {
        let first = try await read { context -> LocalDate in
            if let day = options.firstDay { return day }
            return try context.nightlyFirstDay()
        }
        let run = try await perform { context in
            try context.tx.closeAbandonedRuns(at: context.now)
            return try context.tx.startRun(firstDay: first, days: options.days, dryRun: options.dryRun, at: context.now)
        }
        var report = NightlyReport(run: run, firstDay: first, diffs: [], outcome: options.dryRun ? .dryRun : .unchanged, unassigned: [])
        var carried: [String] = []
        do {
            var stoppedBefore: LocalDate?
            for offset in 0..<options.days {
                if stop() {
                    report.outcome = .interrupted
                    stoppedBefore = first.adding(days: offset)
                    break
                }
                let date = first.adding(days: offset)
                // A day on a routing engine gets the legs of places new since its last build
                // (a failure is reported and the day is planned on what is kept).
                do {
                    if let built = try await ensureTravel(date) { progress("\(date): travel built, \(built.fetchedPairs) pairs asked") }
                } catch {
                    progress("\(date): travel not built (\(OperationError.from(error).message)); new places are straight lines")
                }
                var attempt = 0
                while true {
                    do {
                        guard
                            let (diff, leftOver) = try await nightlyDay(
                                date, first: first, carried: carried, options: options, run: run,
                                actor: actor, stop: stop, progress: progress)
                        else {
                            report.outcome = .interrupted
                            stoppedBefore = date
                            break
                        }
                        report.diffs.append(diff)
                        if diff.version != nil { report.outcome = .published }
                        carried = leftOver
                        break
                    } catch let error as OperationError where error.category == .conflict && attempt < 2 {
                        // Someone published, or the day changed (a notice delivered, a status reported),
                        // while it was computed: plan the day again from what it is now.
                        attempt += 1
                        progress("\(date): \(error.message); planning it again")
                    }
                }
                if stoppedBefore != nil { break }
            }
            // Stopped early, the work carried on was never tried on the days not reached.
            report.unassigned = stoppedBefore == nil ? carried : []
            let outcome = report.outcome
            let message =
                stoppedBefore.map { "stopped by a signal before \($0)" }
                ?? (carried.isEmpty ? nil : "\(carried.count) orders fit on none of the days planned")
            try await perform { context in try context.tx.finishRun(run, outcome: outcome, message: message, at: context.now) }
            return report
        } catch {
            let failure = OperationError.from(error)
            _ = try? await perform { context in try context.tx.finishRun(run, outcome: .failed, message: failure.message, at: context.now)
            }
            throw failure
        }
    }

    /// Plans one day: reads it, computes outside any transaction, then publishes (when something
    /// changed) and records the diff in one transaction, refused if another version appeared.
    /// Nil when `stop` asked to stop while workers were planning the day (nothing is published).
    private func nightlyDay(
        _ date: LocalDate, first: LocalDate, carried: [String], options: NightlyOptions, run: Int, actor: String,
        stop: @Sendable () -> Bool, progress: @Sendable (String) -> Void
    )
        async throws -> (NightlyDayDiff, leftOver: [String])?
    {
        let input = try await read { context -> NightlyInput? in try context.nightlyInput(date, carried: carried, like: first) }
        guard let input else {
            // A day never imported: nothing to plan, unless work is carried onto it.
            var empty = NightlyDayDiff(day: date)
            empty.unassigned = carried
            let diff = empty
            try await perform { context in try context.tx.recordRunDay(run, diff) }
            return (diff, carried)
        }
        let plan: Plan
        let unassigned: [String]
        if options.distributed {
            guard
                let planned = try await plannedByWorkers(
                    input, run: run, carried: carried, first: first, options: options,
                    progress: progress, stop: stop)
            else { return nil }
            (plan, unassigned) = planned
        } else {
            (plan, unassigned) = input.plan(now: clock.now(), budget: options.budget, seed: options.seed)
        }
        try await options.beforeWriting?(date, input.carried)
        let computed = input.diff(plan, unassigned: unassigned)
        // Unchanged: what is published already (a day never published: nothing to publish).
        let unchanged = input.previous == nil ? plan.visits.isEmpty : input.isPublished(plan)
        // Work without a promise that fits nowhere today moves on to the next day (after the
        // last day, it stays unassigned).
        let leftOver = unassigned.filter { id in input.movable.contains(id) }.sorted()
        let version = try await perform { context -> Int? in
            var version: Int?
            // The day's revision before this transaction changed it (nil: not read, nothing written).
            var read: Int?
            let carried = input.carried
            if !options.dryRun && (!unchanged || !carried.isEmpty) {
                // The day the carried orders leave is locked too (days in order): a booking there
                // waits, or went first and is seen below.
                try context.lockDays(carried.isEmpty ? [date] : [date, date.adding(days: -1)])
                try context.applyUnappliedDeliveries(onDay: date)
                let current = try context.tx.revision(of: date)
                read = current
                var plan = plan
                var previous = input.previous
                if let current, current != input.revision {
                    // Work carried in from the day before is planned again with the new day;
                    // otherwise the plan is rebased onto what changed (docs/consistency.md).
                    guard carried.isEmpty else {
                        throw OperationError.conflict(
                            "the day changed while it was planned (revision \(current), planned from \(input.revision))")
                    }
                    previous = try context.tx.publishedPlan(on: date, lock: true)
                    (plan, _) = try context.rebased(plan, base: input.previous, previous: previous, date: date)
                }
                try context.tx.ensureServiceDay(date, like: first)
                let dayBefore = date.adding(days: -1)
                let before = carried.isEmpty ? nil : try context.tx.revision(of: dayBefore)
                for id in carried {
                    // Booked, pinned or begun since the day was read: planned again without it.
                    guard try context.tx.moveCarried(id, from: dayBefore, to: date, locked: try context.locked) else {
                        throw OperationError.conflict("order \(id) changed while the day was planned (it is no longer carried)")
                    }
                }
                // The day before lost only work it could not fit: what was searched there still holds.
                if let before, let after = try context.tx.revision(of: dayBefore) {
                    try context.tx.carrySearchedRevision(of: dayBefore, from: before, to: after)
                }
                if !unchanged {
                    let outcome = try context.publish(
                        plan, day: input.scenario, previous: previous, cause: "nightly run \(run)",
                        actor: actor, lostReason: "the nightly re-plan could not keep this visit",
                        seed: options.seed)
                    version = outcome.version
                }
            }
            var recorded = computed
            recorded.version = version
            // The day as this run left it, when what it searched is what the day was: a later run
            // that finds the same revision has nothing new to search (a rebased or dry run records none).
            let left = try context.tx.revision(of: date)
            let searchedAsIs = !options.dryRun && (read ?? left) == input.revision
            try context.tx.recordRunDay(run, recorded, revision: searchedAsIs ? left : nil)
            return version
        }
        var diff = computed
        diff.version = version
        return (diff, leftOver)
    }
}

/// A day as the nightly run sees it, read in one transaction.
struct NightlyInput: Sendable {
    let scenario: Scenario
    let previous: PublishedPlan?
    /// Orders of the day that are promised (a window, or notified and locked).
    let promised: Set<String>
    /// Orders that may move to another day when they do not fit (no promise, not yet under way).
    let movable: Set<String>
    /// Orders the published plan lists, visited or unassigned (empty without one).
    let listed: Set<String>
    /// The day's revision when it was read: publishing refuses the plan if the day changed since.
    var revision: Int = 0
    /// The orders carried onto the day from the day before that still may be (`isMovable`, on that day).
    var carried: [String] = []
    /// A nightly run searched the day as it is now (the revision it recorded is the day's): a
    /// search would find what it found.
    var settled = false

    /// An order without a promise, a pin or a start: it may move to the next day when it fits nowhere.
    static func isMovable(_ stored: StoredOrder) -> Bool {
        stored.order.window == nil && stored.order.lock == nil && stored.order.pin == nil && stored.order.group == nil
            && (stored.state == .new || stored.state == .scheduled)
    }

    /// Whether `plan` is what is published: the same visits (order, technician, start), and no
    /// order of the day that the published plan does not list, visited or unassigned (new orders
    /// that fit nowhere must still be published as unassigned, with a reason).
    func isPublished(_ plan: Plan) -> Bool {
        guard let previous else { return false }
        return Set(previous.visits.map(\.key)) == Set(plan.visits.map(\.key)) && scenario.orders.allSatisfy { listed.contains($0.id) }
    }

    /// The day's plan: from scratch when nothing was published yet, else the published visits
    /// kept and the rest put around them. Returns the plan and the orders that found no place.
    func plan(now: Instant, budget: SearchBudget, seed: UInt64) -> (Plan, unassigned: [String]) {
        var day = scenario
        day.now = now
        let present = Set(day.orders.map(\.id))
        // Published visits of orders still to be planned (announced ones that no longer fit go to
        // rebooking); a day never published starts from a fresh search, and then gets the same
        // insertion pass, so a second run finds nothing more to add.
        var kept =
            previous?.visits.filter { present.contains($0.order) }
            ?? Solver(scenario: day, options: budget.options(seed: seed)).plan().visits
        let unassigned = Set(KeptDay(day: day, kept: kept).keptPlan().unassigned)
        kept.removeAll { unassigned.contains($0.order) }
        let placed = Set(kept.map(\.order))
        let locked = Set(day.orders.filter { $0.lock != nil }.map(\.id))
        let waiting = day.orders.filter { !placed.contains($0.id) && !locked.contains($0.id) }
        var jobs: [String: [WorkOrder]] = [:]
        for order in waiting { jobs[order.group ?? "order:\(order.id)", default: []].append(order) }
        let ordered = jobs.values.sorted { a, b in
            func key(_ job: [WorkOrder]) -> (Int, Int, Int, String) {
                let promise = job.contains { promised.contains($0.id) } ? 0 : 1
                let weight = job.reduce(0) { $0 + PlanningProblem.weight($1, policy: day.policy, now: now) }
                let deadline = job.compactMap { day.policy.repairDeadline(of: $0)?.secondsSinceEpoch }.min() ?? Int.max
                return (promise, -weight, deadline, job[0].id)
            }
            return key(a) < key(b)
        }
        let result = KeptDay(day: day, kept: kept).adding(jobs: ordered, now: now)
        let repaired = (result.plan, result.unassigned + locked.filter { id in !result.plan.visits.contains { $0.order == id } }.sorted())
        // Searched unless nothing changed since a nightly run last searched this very day (its
        // revision then): work placed since by insertion alone (an import, a booking, an order
        // sent) gets the search it never had; a second run with no input change changes nothing.
        guard let previous, !settled || changed(repaired.0, unassigned: unassigned) else { return repaired }
        return reoptimised(day, previous: previous, against: repaired, now: now, budget: budget, seed: seed)
    }

    /// Whether the day's input moved since the published plan: a visit that no longer fits, a
    /// new visit, or an order the published plan does not list.
    private func changed(_ plan: Plan, unassigned: Set<String>) -> Bool {
        !unassigned.isEmpty || !isPublished(plan)
    }

    /// Re-optimises a changed day: a search warm-started from the published visits, each kept
    /// where it was unless moving it pays (the stability term of the objective). The result is
    /// taken only when it is better than `repaired` (the published visits kept, the new work put
    /// around them): more priority-weighted work served, then fewer late repairs, then less money
    /// and travel as the objective weighs them, counting each moved published visit as
    /// `Stability.movedVisitTravelMinutes` of travel; and never at the cost of a
    /// promised visit `repaired` keeps. Among equally good plans, the one that changes fewer
    /// published visits wins, so `repaired` wins ties.
    private func reoptimised(
        _ day: Scenario, previous: PublishedPlan, against repaired: (Plan, [String]), now: Instant, budget: SearchBudget,
        seed: UInt64
    ) -> (Plan, unassigned: [String]) {
        let before = Dictionary(previous.visits.map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
        // Three searches side by side (`SearchBudget.shared`), every promised visit served in its
        // window in all three: one warm-started from every published visit (each stays where it
        // is unless moving it pays), one from the promised ones alone, one with every visit free
        // to move within its window (on a day that grew, serving more may need room the first two
        // cannot make). The best by `score` is taken.
        func warm(_ keeps: (WorkOrder) -> Bool) -> Scenario {
            var warm = day
            for index in warm.orders.indices where warm.orders[index].lock == nil {
                guard let visit = before[warm.orders[index].id] else { continue }
                warm.orders[index].promised = warm.orders[index].window != nil
                if keeps(warm.orders[index]) { warm.orders[index].published = Lock(technicianID: visit.technician, start: visit.start) }
            }
            return warm
        }
        let starts = [warm { _ in true }, warm { $0.window != nil }, warm { _ in false }]
        let (each, workers) = budget.shared(by: starts.count)
        let candidates = Parallel.map(starts.count, workers: workers) { index in
            Solver(scenario: starts[index], options: each.options(seed: seed &+ UInt64(index), atLeast: 0.1)).plan()
        }
        let weights = Dictionary(
            day.orders.map { ($0.id, PlanningProblem.weight($0, policy: day.policy, now: now)) },
            uniquingKeysWith: { first, _ in first })
        // Money and travel as the search weighs them (a minute of driving as 1.00, a contractor's
        // price, an in-house technician's time), by the search's own rule; each plan scored once.
        func score(_ plan: Plan) -> (Int, Int, Int) {
            let served = plan.visits.reduce(0) { $0 + (weights[$1.order] ?? 0) }
            let visits = Dictionary(plan.visits.map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
            let moved = before.values.filter { old in
                guard weights[old.order] != nil else { return false }
                guard let new = visits[old.order] else { return true }
                return Stability.changed(new, from: old)
            }.count
            return (-served, plan.kpis.lateRepairs, CostEvaluator.moneyAndTravel(of: plan, in: day) + CostEvaluator.movedVisit * moved)
        }
        let keptPromises = Set(repaired.0.visits.map(\.order)).intersection(promised)
        let keeping = candidates.filter { keptPromises.isSubset(of: Set($0.visits.map(\.order))) }
        guard let (searched, new) = keeping.map({ ($0, score($0)) }).min(by: { $0.1 < $1.1 }) else { return repaired }
        let searchedOrders = Set(searched.visits.map(\.order))
        // Better by more than the stability margin: more work served, fewer late repairs, or
        // money and travel (moved visits counted) lower by more than one moved visit's worth.
        let old = score(repaired.0)
        let better =
            new.0 < old.0
            || (new.0 == old.0 && (new.1 < old.1 || (new.1 == old.1 && new.2 < old.2 - CostEvaluator.movedVisit)))
        guard better else { return repaired }
        return (searched, day.orders.map(\.id).filter { !searchedOrders.contains($0) }.sorted())
    }

    /// The change against the published plan.
    func diff(_ plan: Plan, unassigned: [String]) -> NightlyDayDiff {
        var diff = NightlyDayDiff(day: scenario.date)
        let old = Dictionary((previous?.visits ?? []).map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Set(plan.visits.map(\.order))
        for visit in plan.visits {
            guard let before = old[visit.order] else {
                diff.newlyPlanned.append(visit.order)
                continue
            }
            if before.technician != visit.technician {
                diff.reassigned.append(visit.order)
            } else if Stability.retimed(visit.start, from: before.start) {
                diff.moved.append(visit.order)
            } else {
                diff.kept.append(visit.order)
            }
        }
        for id in old.keys where !new.contains(id) && promised.contains(id) { diff.toRebooking.append(id) }
        diff.unassigned = unassigned.filter { !diff.toRebooking.contains($0) }
        for keyPath in [\NightlyDayDiff.kept, \.moved, \.reassigned, \.newlyPlanned, \.toRebooking, \.unassigned] {
            diff[keyPath: keyPath].sort()
        }
        return diff
    }
}

extension PlannedVisit {
    /// What a technician and a customer care about: who, which order, when.
    var key: String { "\(order)\u{1}\(technician)\u{1}\(start.secondsSinceEpoch)" }
}

extension OperationContext {
    /// The first day a nightly run plans by default: today while today's first shift has not
    /// begun (the 01:15 cron run covers the day about to start), else tomorrow.
    func nightlyFirstDay() throws -> LocalDate {
        let zone = try tx.latestZone() ?? .utc
        let today = zone.local(now).date
        if let day = try tx.scenario(on: today), let earliest = day.technicians.map(\.shift.start).min(),
            now < day.timeZone.instant(on: today, at: earliest)
        {
            return today
        }
        return today.adding(days: 1)
    }

    /// The day as the nightly run plans it, with `carried` orders (from the day before) added; a
    /// day never imported is planned with the settings of `template` when work is carried onto it.
    func nightlyInput(_ date: LocalDate, carried asked: [String], like template: LocalDate) throws -> NightlyInput? {
        // Only what is still carried: on the day before, without a promise, a pin or a start
        // (one booked or pinned since stays where that put it).
        let carriedOrders = try tx.orders(ids: asked, groups: []).filter {
            $0.serviceDay == date.adding(days: -1) && NightlyInput.isMovable($0)
        }
        let carried = carriedOrders.map(\.order.id)
        var found = try tx.scenarioAndOrders(on: date)
        if found == nil, !carried.isEmpty, let home = try tx.scenario(on: template) { found = (try borrowed(home, date: date), []) }
        guard let found else { return nil }
        var scenario = found.scenario
        let stored = found.orders + carriedOrders
        let states = Dictionary(stored.map { ($0.order.id, $0.state) }, uniquingKeysWith: { first, _ in first })
        let previous = try tx.publishedPlan(on: date)
        scenario.orders = OrderWorkflow.planning(
            scenario.orders, states: states, published: previous?.visits ?? [],
            adding: stored.filter { carried.contains($0.order.id) }.map(\.order))
        let promised = Set(stored.filter { $0.order.window != nil || OrderWorkflow.locked.contains($0.state) }.map(\.order.id))
        let movable = Set(stored.filter(NightlyInput.isMovable).map(\.order.id))
        let listed = previous.map { Set($0.visits.map(\.order) + $0.unassigned.map(\.order)) } ?? []
        let revision = try tx.revision(of: date) ?? 0
        return NightlyInput(
            scenario: scenario, previous: previous, promised: promised, movable: movable, listed: listed,
            revision: revision, carried: carried, settled: try tx.searchedRevision(of: date) == revision)
    }
}

extension DispatchOperations {
    /// The latest recorded nightly runs, newest first.
    public func nightlyRuns(limit: Int) async throws -> [NightlyRun] {
        try await read { context in try context.tx.nightlyRuns(limit: limit) }
    }
}

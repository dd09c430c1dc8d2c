/// A published day kept exactly as it is, and the question of where more work still fits.
///
/// Booking promises a customer a window the operator can keep without moving anyone else's
/// visit: every published visit stays with its technician at its start (the first visit of each
/// technician's share of a group is locked there; the ones done after it back to back are pinned
/// to the technician), and the new work is placed in the gaps by the planner's own insertion,
/// so every hard rule holds. A slot offered here is, by construction, the slot `book` then stores.
public struct KeptDay {
    /// One window the new work can be given, and where it would go.
    public struct Fit: Hashable, Sendable {
        public let window: TimeWindow
        /// Planned start of the arrival (the group's common start, or the first member's).
        public let start: Instant
        /// Technicians who would do it, by id.
        public let technicians: [String]
        /// Objective points of the insertion (added travel, contractor price, lateness): lower is better.
        public let cost: Int
    }

    let scenario: Scenario
    let kept: [PlannedVisit]
    /// Orders whose kept visits happened (begun or done): placed before every other kept visit,
    /// `first` included, so that nothing takes their place.
    let settled: Set<String>
    /// Orders whose kept visits are placed before every other kept visit (a delayed visit at its
    /// new start, which later visits of the same technician must make room for).
    let first: Set<String>
    /// Orders whose kept visits are placed after every other kept visit: those that may give way
    /// (a later visit a delay may move), so the ones that may not (a visit done) keep their place.
    let last: Set<String>

    /// `day` holds the day's settings and technicians (absences of the day included); its orders
    /// must include every order of `kept`. Visits of the work being placed are never kept.
    public init(
        day: Scenario, kept: [PlannedVisit], settled: Set<String> = [], first: Set<String> = [], last: Set<String> = []
    ) {
        scenario = day
        self.kept = kept
        self.settled = settled
        self.first = first
        self.last = last
    }

    /// For each window, where `work` (one order, or every member of one group) would go, or nil.
    public func fits(_ work: [WorkOrder], windows: [TimeWindow], now: Instant) -> [Fit?] {
        guard !work.isEmpty, !windows.isEmpty else { return windows.map { _ in nil } }
        var copies: [WorkOrder] = []
        var ranges: [Int] = []
        for (index, window) in windows.enumerated() {
            ranges.append(copies.count)
            for order in work { copies.append(copy(order, window: window, tag: index, now: now)) }
        }
        let (problem, keptCount, _) = build(extra: copies, excluding: Set(work.map(\.id)), now: now)
        let jobs = Job.all(problem)
        let (solution, _) = keptSolution(problem, keptCount: keptCount, jobs: jobs)
        let insertion = Insertion(problem: problem)
        var jobOfOrder: [Int: Int] = [:]
        for (index, job) in jobs.enumerated() { for member in job.members { jobOfOrder[member] = index } }
        return windows.indices.map { index -> Fit? in
            let first = ranges[index]
            guard copies[first].window != nil, let jobIndex = jobOfOrder[keptCount + first],
                let (placement, _) = insertion.best(jobs[jobIndex], in: solution)
            else { return nil }
            // The arrival as the plan will have it: placing the job may move the break before it.
            var trial = solution
            insertion.apply(placement, to: &trial)
            let members = Set(jobs[jobIndex].members)
            var arrival = Int.max
            for part in placement.parts {
                let route = trial.routes[part.route]
                for (position, element) in route.elements.enumerated() where !element.isBreak && members.contains(element.order) {
                    arrival = min(arrival, route.start[position])
                }
            }
            let names = placement.parts.map { scenario.technicians[$0.route].id }
            return Fit(window: windows[index], start: problem.instant(arrival), technicians: names, cost: placement.cost)
        }
    }

    /// The day's plan with `work` added in `window` and every published visit that still fits
    /// kept as it is, or nil when the work does not fit. Visits that no longer fit (say, their
    /// technician is now absent) are unassigned.
    public func adding(_ work: [WorkOrder], window: TimeWindow, now: Instant) -> Plan? {
        let copies = work.map { copy($0, window: window, tag: nil, now: now) }
        guard copies.allSatisfy({ $0.window != nil }) else { return nil }
        let (problem, keptCount, trial) = build(extra: copies, excluding: Set(work.map(\.id)), now: now)
        let all = Job.all(problem)
        var (solution, _) = keptSolution(problem, keptCount: keptCount, jobs: all)
        let insertion = Insertion(problem: problem)
        guard let job = all.first(where: { $0.members.contains(keptCount) }),
            let (placement, _) = insertion.best(job, in: solution)
        else { return nil }
        insertion.apply(placement, to: &solution)
        return planned(problem, trial, solution, jobs: all)
    }

    /// The day's plan with every published visit that still fits kept as it is, then each job
    /// of `jobs` (one order, or every member of a group) put where it costs least, in the order
    /// given, each inside its window (anywhere in the day without one). One problem is built
    /// for all of them. Returns the plan, the published visits that no longer fit, and the
    /// orders of the jobs that found no place.
    public func adding(jobs: [[WorkOrder]], now: Instant) -> (plan: Plan, unassignedKept: [String], unassigned: [String]) {
        let extra = jobs.flatMap { job in job.map { copy($0, window: $0.window ?? scenario.wholeDay, tag: nil, now: now) } }
        let (problem, keptCount, trial) = build(extra: extra.filter { $0.window != nil }, excluding: Set(extra.map(\.id)), now: now)
        let all = Job.all(problem)
        var (solution, unassignedKept) = keptSolution(problem, keptCount: keptCount, jobs: all)
        let insertion = Insertion(problem: problem)
        var jobOf: [String: Int] = [:]
        for (index, job) in all.enumerated() { for member in job.members { jobOf[problem.orderIDs[member]] = index } }
        var unassigned: [String] = []
        for job in jobs {
            guard let index = job.first.flatMap({ jobOf[$0.id] }), let (placement, _) = insertion.best(all[index], in: solution) else {
                unassigned += job.map(\.id)
                continue
            }
            insertion.apply(placement, to: &solution)
        }
        return (planned(problem, trial, solution, jobs: all), unassignedKept, unassigned)
    }

    /// The day's plan with every published visit kept that still fits, and the orders of those
    /// that no longer do (e.g. their technician is now absent, or the visit was taken out).
    /// With `now` (the day's real time), a coordinated visit begun by then counts as arrived, as
    /// when work is added (`adding(jobs:now:)`): its halves are kept each at its own start.
    public func keptPlan(excluding orders: Set<String> = [], now: Instant? = nil) -> (plan: Plan, unassigned: [String]) {
        let (problem, keptCount, trial) = build(extra: [], excluding: orders, now: now)
        let all = Job.all(problem)
        let (solution, unassigned) = keptSolution(problem, keptCount: keptCount, jobs: all)
        return (planned(problem, trial, solution, jobs: all), unassigned)
    }

    // MARK: - Building the trial day

    /// The work in `window`, its start moved past the notice rule (`now` + notice).
    private func copy(_ order: WorkOrder, window: TimeWindow, tag: Int?, now: Instant) -> WorkOrder {
        var copy = order
        if let tag {
            copy.id = "\(order.id)#\(tag)"
            copy.group = order.group.map { "\($0)#\(tag)" }
        }
        copy.lock = nil
        let earliest = Instant(secondsSinceEpoch: (now.secondsSinceEpoch + 59) / 60 * 60).adding(minutes: scenario.policy.noticeMinutes)
        let start = max(window.start, earliest)
        copy.window = start <= window.end ? TimeWindow(start: start, end: window.end) : nil
        return copy
    }

    /// The trial problem: kept visits first (as locks and pins, in the plan's order), then `extra`.
    /// The trial's `now` lies before the day, so the notice rule binds only the new work (whose
    /// windows `copy` already moved past it); a coordinated visit counts as arrived by `now` when
    /// given (the day's real time), else only when its kept halves start apart.
    private func build(extra: [WorkOrder], excluding: Set<String>, now: Instant? = nil) -> (
        PlanningProblem, keptCount: Int, trial: Scenario
    ) {
        let byID = Dictionary(scenario.orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var orders: [WorkOrder] = []
        // A group member that starts when another member on the same technician ends is done back
        // to back (one that starts later, after the other overran, keeps its own start).
        var ends: Set<String> = []
        for visit in kept {
            guard let group = visit.group else { continue }
            ends.insert("\(group)\u{1}\(visit.technician)\u{1}\(visit.end.secondsSinceEpoch)")
        }
        for visit in kept.sorted(by: { ($0.start, $0.order) < ($1.start, $1.order) }) where !excluding.contains(visit.order) {
            guard var order = byID[visit.order] else { continue }
            order.window = nil
            // Kept as long as it is: a visit finished early keeps the length it took (as run).
            let length = (visit.end.secondsSinceEpoch - visit.start.secondsSinceEpoch) / 60
            if length > 0, length < order.durationMinutes { order.durationMinutes = length }
            let continuation =
                visit.group.map { ends.contains("\($0)\u{1}\(visit.technician)\u{1}\(visit.start.secondsSinceEpoch)") } ?? false
            if continuation {
                order.lock = nil
                order.pin = Pin(technicianID: visit.technician)
            } else {
                order.lock = Lock(technicianID: visit.technician, start: visit.start)
                order.pin = nil
            }
            orders.append(order)
        }
        var trial = scenario
        trial.orders = orders + extra
        trial.now = scenario.wholeDay.start.adding(minutes: -2 * 1440)
        // Whether a break is crowded out is decided by the visits that are facts, as the checker
        // sees them: those of the kept visits locked in the day (announced, begun), at their locks,
        // as long as they took (found by the concurrency harness: a 2-hour visit finished after a
        // minute counted as 2 hours crowded the break out, so a booking filled the gap it was to
        // be taken in and the checker found no break).
        let asRun = Dictionary(orders.map { ($0.id, $0.durationMinutes) }, uniquingKeysWith: { first, _ in first })
        var facts = scenario
        facts.orders = scenario.orders.compactMap { order in
            guard order.lock != nil, let length = asRun[order.id] else { return nil }
            var fact = order
            fact.durationMinutes = length
            return fact
        }
        return (PlanningProblem(trial, arrivalsAsOf: now ?? trial.now, breakFacts: facts), orders.count, trial)
    }

    /// The kept visits placed as published; those that no longer fit are named.
    ///
    /// Kept visits have fixed starts, so only the break can stand in the way of rebuilding a
    /// published day: placed while the day is half built, it sits before the drive home where
    /// only a visit placed later gives it room. So the visits go in first with every break taken
    /// out, earliest first, and each break then goes where it fits among them; if one fits
    /// nowhere, the day is built again with the breaks in place from the start.
    /// `jobs` are `Job.all(problem)` (worked out once a trial: each call groups and blocks every order).
    private func keptSolution(_ problem: PlanningProblem, keptCount: Int, jobs: [Job]) -> (solution: Solution, unassigned: [String]) {
        var solution = Solution(problem: problem)
        var breaks: [Int: Route.Element] = [:]
        for route in solution.routes.indices {
            guard let index = solution.routes[route].breakIndex else { continue }
            breaks[route] = solution.routes[route].elements[index]
            solution.routes[route].rearrange(problem) { $0.remove(at: index) }
        }
        // Those that may give way (`last`) come after the breaks are back, so a break finds its
        // place among the visits that may not move before they take it.
        var unassigned = placeKept(problem, keptCount: keptCount, jobs: jobs, into: &solution) { !$0 }
        for (route, element) in breaks {
            solution.routes[route].rearrange(problem) { $0.append(element) }
            solution.refreshBreak(route, problem: problem)
        }
        if breaks.keys.allSatisfy({ solution.routes[$0].feasible }) {
            unassigned += placeKept(problem, keptCount: keptCount, jobs: jobs, into: &solution) { $0 }
            return (solution, unassigned.sorted())
        }
        // (Placed first, returned after: a tuple would copy the empty solution before placing.
        // Found by the simulator: every kept visit vanished from a re-planned day, unreported.)
        var withBreaks = Solution(problem: problem)
        let unassignedWithBreaks = placeKept(problem, keptCount: keptCount, jobs: jobs, into: &withBreaks)
        return (withBreaks, unassignedWithBreaks)
    }

    /// Places the kept jobs (those of `settled`, then those of `first`, before the others, those of
    /// `last` after them, each earliest first) and returns the orders of those that do not fit.
    /// `yielding` says which to place, of those that give way (true) or not (false); all when nil.
    private func placeKept(
        _ problem: PlanningProblem, keptCount: Int, jobs all: [Job], into solution: inout Solution,
        _ yielding: ((Bool) -> Bool)? = nil
    ) -> [String] {
        let insertion = Insertion(problem: problem)
        var unassigned: [String] = []
        // Each job's rank worked out once, then sorted (not twice per comparison).
        var ranked: [(rank: (Int, Int, Int), job: Job)] = []
        for job in all where job.members.allSatisfy({ $0 < keptCount }) {
            let gives = job.members.allSatisfy { last.contains(problem.orderIDs[$0]) }
            if let yielding, !yielding(gives) { continue }
            let tier =
                job.members.contains { settled.contains(problem.orderIDs[$0]) }
                ? 0 : job.members.contains { first.contains(problem.orderIDs[$0]) } ? 1 : gives ? 3 : 2
            ranked.append(((tier, job.members.map { problem.orders[$0].earliest }.min() ?? 0, job.members[0]), job))
        }
        ranked.sort { $0.rank < $1.rank }
        for (_, job) in ranked {
            if let (placement, _) = insertion.best(job, in: solution) {
                insertion.apply(placement, to: &solution)
            } else {
                unassigned.append(contentsOf: job.members.map { problem.orderIDs[$0] })
            }
        }
        return unassigned.sorted()
    }

    /// `trial`: the scenario `problem` was built from (`build`).
    private func planned(_ problem: PlanningProblem, _ trial: Scenario, _ solution: Solution, jobs: [Job]) -> Plan {
        let analysis = Analysis(problem)
        var plan = PlanBuilder(problem: problem, analysis: analysis, jobs: jobs, scenario: trial)
            .plan(from: solution, warnings: [])
        plan.scenario = scenario.name
        // A kept coordinated visit keeps its contact (the trial lists kept visits by start, and the
        // half that arrived first need not be the contact).
        let contacts = Dictionary(
            kept.filter(\.contact).compactMap { visit in visit.group.map { ($0, visit.order) } },
            uniquingKeysWith: { first, _ in first })
        let planned = Set(plan.visits.map(\.order))
        for index in plan.visits.indices {
            guard let group = plan.visits[index].group, let contact = contacts[group], planned.contains(contact) else { continue }
            plan.visits[index].contact = plan.visits[index].order == contact
        }
        // The trial's notice rule is lifted for kept visits; the plan reports the real notice times.
        return plan
    }
}

extension KeptDay {
    /// What each technician makes of the work, in words: the first rule that keeps them from it,
    /// or where it would go in the published day (every published visit kept).
    public struct Verdict: Hashable, Sendable {
        public let technician: String
        /// The work fits this technician's published day.
        public let fits: Bool
        /// Where it would start, when it fits.
        public let start: Instant?
        public let reason: String
        /// The hard rule (CONTRACT H1–H9) that refuses it, when it does not fit.
        public var rule: String = ""
        /// What keeps them from it, in a word for counting: `fits`, `no room`, `quota`,
        /// `unreachable`, `notice`, `group`, `absent`, `not certified`, `skills`, `territory`,
        /// `contract`, `pinned or locked`.
        public var kind: String = "fits"
    }

    /// One verdict per technician for `work` (one order, or every member of a group) inside
    /// `window` (or anywhere in the day), from the planner's own rules and insertion.
    public func verdicts(for work: [WorkOrder], window: TimeWindow?, now: Instant) -> [Verdict] {
        verdicts(for: [work], window: window, now: now).first ?? []
    }

    /// The verdicts of each of `jobs` (as `verdicts(for:window:now:)`), from one trial day: a
    /// re-plan that asks about several jobs builds the day once, not once a job.
    public func verdicts(for jobs: [[WorkOrder]], window: TimeWindow?, now: Instant) -> [[Verdict]] {
        guard !jobs.isEmpty else { return [] }
        let crews = scenario.crewsByID
        // One copy of each job per technician, pinned to them, all in one trial problem.
        var copies: [WorkOrder] = []
        for work in jobs {
            for (index, technician) in scenario.technicians.enumerated() {
                for order in work {
                    var pinned = order
                    pinned.lock = nil
                    pinned.pin = Pin(technicianID: technician.id)
                    copies.append(copy(pinned, window: window ?? order.window ?? scenario.wholeDay, tag: index, now: now))
                }
            }
        }
        let (problem, keptCount, trial) = build(
            extra: copies.filter { $0.window != nil }, excluding: Set(jobs.flatMap { $0.map(\.id) }), now: now)
        let all = Job.all(problem)
        let (solution, _) = keptSolution(problem, keptCount: keptCount, jobs: all)
        let insertion = Insertion(problem: problem)
        var jobOf: [String: Int] = [:]
        for (index, job) in all.enumerated() { for member in job.members { jobOf[problem.orderIDs[member]] = index } }
        let explainer = Explainer(problem: problem, scenario: problem.scenario ?? scenario)
        let analysis = Analysis(problem)
        return jobs.map { work -> [Verdict] in
            guard let lead = work.first else { return [] }
            // A coordinated visit is all or nothing: a member nobody may take rules out everyone.
            let free = work.map { order -> WorkOrder in
                var unpinned = order
                unpinned.pin = nil
                unpinned.lock = nil
                return unpinned
            }
            if let stuck = free.first(where: { order in
                scenario.technicians.allSatisfy { scenario.ineligibility(of: $0, for: order, crews: crews) != nil }
            }), work.count > 1 {
                return scenario.technicians.map { technician in
                    let own = scenario.ineligibility(of: technician, for: stuck, crews: crews).map(explainer.describe) ?? "may not"
                    return Verdict(
                        technician: technician.id, fits: false, start: nil,
                        reason: "nobody may take \(stuck.id) of the same visit (this technician \(own))", rule: "H5", kind: "group")
                }
            }
            return scenario.technicians.enumerated().map { index, technician -> Verdict in
                var unpinned = lead
                unpinned.pin = nil
                unpinned.lock = nil
                if let reason = scenario.ineligibility(of: technician, for: unpinned, crews: crews) {
                    return Verdict(
                        technician: technician.id, fits: false, start: nil, reason: explainer.describe(reason), rule: "H1",
                        kind: Self.kind(of: reason))
                }
                guard let jobIndex = jobOf["\(lead.id)#\(index)"] else {
                    return Verdict(
                        technician: technician.id, fits: false, start: nil,
                        reason: "cannot arrive with the \(scenario.policy.noticeMinutes)-minute notice before the window closes",
                        rule: "H6", kind: "notice")
                }
                if let (placement, _) = insertion.best(all[jobIndex], in: solution) {
                    return Verdict(
                        technician: technician.id, fits: true, start: problem.instant(placement.start),
                        reason: "fits at \(scenario.timeZone.local(problem.instant(placement.start)).time)")
                }
                let member = all[jobIndex].members[0]
                if analysis.aloneTechnicians[member].isEmpty {
                    return Verdict(
                        technician: technician.id, fits: false, start: nil,
                        reason: "cannot reach it inside its window within the shift (\(technician.shift.start)–\(technician.shift.end))",
                        rule: "H2", kind: "unreachable")
                }
                if solution.quotaRoom(index, problem) < work.count {
                    return Verdict(
                        technician: technician.id, fits: false, start: nil, reason: "their contractor's daily quota is used up",
                        rule: "H8", kind: "quota")
                }
                return Verdict(
                    technician: technician.id, fits: false, start: nil,
                    reason: noRoom(for: lead, technician: technician, window: window ?? lead.window ?? scenario.wholeDay), rule: "H3",
                    kind: "no room")
            }
        }
    }

    /// Why a technician has no room, as close as it gets: the gap between their kept visits (or
    /// the shift's ends) that leaves the most of the order's minutes inside the window, travel
    /// counted both ways, how many minutes it is short, and the visit that holds the place.
    func noRoom(for order: WorkOrder, technician: Technician, window: TimeWindow) -> String {
        let zone = scenario.timeZone
        let locations = Dictionary(scenario.orders.map { ($0.id, $0.location) }, uniquingKeysWith: { first, _ in first })
        let visits = kept.filter { $0.technician == technician.id }.sorted { $0.start < $1.start }
        let shiftStart = zone.instant(on: scenario.date, at: technician.shift.start)
        let shiftEnd = zone.instant(on: scenario.date, at: technician.shift.end)
        // (leaving at, from) … (due at, to, the visit there): the gaps of the day in order.
        var stops: [(time: Instant, place: GeoPoint, visit: PlannedVisit?)] = [(shiftStart, technician.startLocation, nil)]
        for visit in visits { stops.append((visit.start, locations[visit.order] ?? technician.startLocation, visit)) }
        stops.append((shiftEnd, technician.endLocation, nil))
        var best: (room: Int, holder: PlannedVisit?)?
        for index in 0..<(stops.count - 1) {
            let before = stops[index]
            let after = stops[index + 1]
            let leaves = before.visit?.end ?? before.time
            let arrives = leaves.adding(minutes: scenario.drive(from: before.place, to: order.location, leaving: leaves))
            let mustLeave = scenario.latestDeparture(from: order.location, to: after.place, arriving: after.time)
            let start = max(arrives, window.start)
            guard start <= window.end else { continue }
            let room = start.minutes(until: mustLeave)
            if best == nil || room > best!.room { best = (room, after.visit ?? before.visit) }
        }
        let needs = order.durationMinutes
        guard let best, best.room < needs else {
            return "no room inside the window between their published visits (the break or a coordinated visit's timing)"
        }
        let short = best.room <= 0 ? "no gap reaches the window in time" : "the best gap is \(needs - best.room) of \(needs) minutes short"
        let holder =
            best.holder.map { visit in
                " — \(visit.order) holds the place at \(zone.local(visit.start).time)–\(zone.local(visit.end).time)"
            } ?? (visits.isEmpty ? " — the shift (\(technician.shift.start)–\(technician.shift.end)) is too short" : "")
        return "no room inside the window: \(short), travel included\(holder)"
    }

    static func kind(of reason: Ineligibility) -> String {
        switch reason {
        case .absent: "absent"
        case .notCertified: "not certified"
        case .missingSkills: "skills"
        case .outsideTerritory: "territory"
        case .noContract, .contractNotValid, .contractExcludes: "contract"
        case .pinnedElsewhere, .lockedElsewhere: "pinned or locked"
        }
    }
}

extension KeptDay {
    /// `jobs` (one order, or every member of a group) in the planner's priority order, the order
    /// in which work is placed into a kept day: the heaviest first (`PlanningProblem.weight`:
    /// repairs, VIP tiers, broadband, long waits), then the earliest repair deadline, then the
    /// earliest window, then by id.
    public static func byPriority(_ jobs: [[WorkOrder]], policy: Policy, now: Instant) -> [[WorkOrder]] {
        func rank(_ job: [WorkOrder]) -> (Int, Int, Int, String) {
            let weight = job.map { PlanningProblem.weight($0, policy: policy, now: now) }.max() ?? 0
            let deadline = job.compactMap { policy.repairDeadline(of: $0)?.secondsSinceEpoch }.min() ?? Int.max
            let opens = job.compactMap(\.window?.start.secondsSinceEpoch).min() ?? Int.max
            return (-weight, deadline, opens, job.map(\.id).min() ?? "")
        }
        return jobs.map { $0.sorted { $0.id < $1.id } }.sorted { rank($0) < rank($1) }
    }
}

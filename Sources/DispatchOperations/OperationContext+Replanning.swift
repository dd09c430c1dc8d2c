import DispatchStore
import SchedulingCore

extension OperationContext {
    /// The day rebuilt from a published plan. The `kept` visits stay exactly as they are (those
    /// that no longer fit, say for an absent technician, drop out); the visits of `first` are
    /// placed before all others. Each `movable` visit stays where it is if it still fits, else its
    /// whole coordinated visit (every member, on every technician, but for a kept member whose work
    /// began: it stays where it happened) is placed again; then each job of `reinsert` (whole
    /// groups too) goes where it costs least, inside its window (anywhere in the day without one).
    /// What fits nowhere is listed as unassigned; publishing then rebooks the promised ones. A
    /// coordinated visit not yet begun is never split: its members move, stay or go together.
    /// The kept visits of `settled` (begun or done) are placed before all others, `first` included.
    func rebuild(
        _ scenario: Scenario, previous: PublishedPlan, kept: [PlannedVisit], movable: [PlannedVisit] = [],
        reinsert jobs: [[WorkOrder]], settled: Set<String> = [], first: Set<String> = []
    ) throws -> Plan {
        func key(_ order: WorkOrder) -> String { order.group ?? "order:\(order.id)" }
        let orders = Dictionary(scenario.orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let members = Dictionary(grouping: scenario.orders, by: key)
        // Which movable visits still fit in place, the rest kept as they are.
        let movableIDs = Set(movable.map(\.order))
        // (The movable ones placed last: when the day cannot hold them all, they give way. Decided
        // as of now, as the day is then built: found by bench/simulate.sh, the second half of a
        // pair delayed after the first overran fitted nowhere in a trial that did not know the
        // visit had begun, so the later visit leaving the break no room was never moved.)
        let trial = KeptDay(day: scenario, kept: kept + movable, settled: settled, first: first, last: movableIDs).keptPlan(now: now)
            .unassigned
        var moving = Set(trial.filter { movableIDs.contains($0) }.compactMap { orders[$0].map(key) })
        moving.formUnion(jobs.flatMap { $0.map(key) })
        // A member of a moving coordinated visit whose work began (on site or done) stays where it
        // happened: only the rest of the visit is placed again (found by bench/simulate.sh: a delay
        // that pushed a later half out of its place re-placed the whole pair, the half on site too,
        // and was refused for dropping it).
        let keptIDs = Set(kept.map(\.order))
        // (By its state: a visit reported done without en route or on site first has no lock.)
        let anchoredCandidates = scenario.orders.filter { order in
            order.group != nil && moving.contains(key(order)) && keptIDs.contains(order.id)
        }
        let anchored =
            anchoredCandidates.isEmpty
            ? []
            : Set(
                try tx.orders(ids: anchoredCandidates.map(\.id), groups: []).filter { OrderWorkflow.begun.contains($0.state) }
                    .map(\.order.id))
        let staying = (kept + movable).filter { visit in
            anchored.contains(visit.order) || (orders[visit.order].map { !moving.contains(key($0)) } ?? true)
        }
        // Jobs to place: those asked for first, in their order, then the movable ones by start.
        var placing: [[WorkOrder]] = []
        var placed: Set<String> = []
        let movableJobs = self.jobs(of: movable.filter { orders[$0.order].map { moving.contains(key($0)) } ?? false }, in: scenario)
        for job in jobs + movableJobs {
            guard let lead = job.first, !placed.contains(key(lead)) else { continue }
            placed.insert(key(lead))
            let placeable = (members[key(lead)] ?? job).filter { !anchored.contains($0.id) }
            if !placeable.isEmpty { placing.append(placeable.sorted { $0.id < $1.id }) }
        }
        var (plan, unassignedKept, unassigned) = KeptDay(day: scenario, kept: staying, settled: settled, first: first).adding(
            jobs: placing, now: now)
        // The rest of a coordinated visit whose other half began, when it fits nowhere, took the
        // half that began down with it (one job in the trial: found with bench/grown.sh's plans,
        // "would drop WO-109-B, whose visit is on_site"): the day is built again without the
        // jobs that failed, so the half that happened stays where it is and the rest is unassigned.
        let placedIDs = Set(plan.visits.map(\.order))
        if !unassigned.isEmpty, staying.contains(where: { !placedIDs.contains($0.order) && !unassignedKept.contains($0.order) }) {
            let failed = Set(unassigned)
            let placeable = placing.filter { !$0.contains { failed.contains($0.id) } }
            let again = KeptDay(day: scenario, kept: staying, settled: settled, first: first).adding(jobs: placeable, now: now)
            plan = again.plan
            unassigned = again.unassigned + unassigned
        }
        if !unassigned.isEmpty,
            let better = roomMade(
                for: unassigned, in: scenario, staying: staying, placing: placing, settled: settled, first: first, than: plan)
        {
            plan = better
        }
        plan = merged(plan, previous: previous, day: scenario)
        // Every order the day had in its plan, or was asked to place, is listed: visited or unassigned.
        let listed = Set(plan.visits.map(\.order) + plan.unassigned.map(\.order))
        let lost = Set(previous.visits.map(\.order) + placing.flatMap { $0.map(\.id) }).subtracting(listed)
        if !lost.isEmpty {
            plan.unassigned = explained(lost.union(plan.unassigned.map(\.order)), day: scenario, visits: plan.visits)
            plan.kpis.orders = plan.visits.count + plan.unassigned.count
        }
        return plan
    }

    /// A second chance for work a rebuilt day could not place around the visits it kept: the
    /// unannounced visits of the technicians who could take it (their day has no room, no rule
    /// keeps them from it) may move inside their windows: the unassigned work is placed first, in
    /// the planner's priority order, then those visits, in their published order. Taken only
    /// when the day then serves more work, every visit that moved still has a place and every
    /// other visit stays; nil otherwise.
    func roomMade(
        for unassigned: [String], in scenario: Scenario, staying: [PlannedVisit], placing: [[WorkOrder]], settled: Set<String>,
        first: Set<String>, than plan: Plan
    ) -> Plan? {
        let waiting = Set(unassigned)
        let jobsLeft = placing.filter { $0.contains { waiting.contains($0.id) } }
        let orders = Dictionary(scenario.orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var helpers: Set<String> = []
        // (Every job's verdicts from one trial day: an absence on a 2,000-order day asked once a
        // job, each a trial of the whole day.)
        for verdicts in KeptDay(day: scenario, kept: staying, settled: settled, first: first).verdicts(for: jobsLeft, window: nil, now: now)
        {
            helpers.formUnion(verdicts.filter { $0.kind == "no room" || $0.kind == "fits" }.map(\.technician))
        }
        let horizon = now.adding(minutes: scenario.policy.noticeMinutes)
        // Unannounced: not locked, not first (the visit the operation is about), not due before
        // the notice rule allows a new time; a coordinated visit moves whole or not at all.
        var flexibleGroups: Set<String> = []
        var fixedGroups: Set<String> = []
        for visit in staying {
            let free =
                helpers.contains(visit.technician) && orders[visit.order].map { $0.lock == nil } == true
                && !first.contains(visit.order) && visit.start >= horizon
            let key = visit.group ?? "order:\(visit.order)"
            if free { flexibleGroups.insert(key) } else { fixedGroups.insert(key) }
        }
        flexibleGroups.subtract(fixedGroups)
        let flexible = staying.filter { flexibleGroups.contains($0.group ?? "order:\($0.order)") }
        guard !flexible.isEmpty else { return nil }
        let flexibleIDs = Set(flexible.map(\.order))
        let rest = staying.filter { !flexibleIDs.contains($0.order) }
        // The unassigned work first, most urgent first; then the visits that may move, in their order.
        let all = KeptDay.byPriority(jobsLeft, policy: scenario.policy, now: now) + jobs(of: flexible, in: scenario)
        let (trial, _, stillUnplaced) = KeptDay(day: scenario, kept: rest, settled: settled, first: first).adding(jobs: all, now: now)
        let served = Set(trial.visits.map(\.order))
        guard trial.visits.count > plan.visits.count, !stillUnplaced.contains(where: flexibleIDs.contains),
            rest.allSatisfy({ served.contains($0.order) })
        else { return nil }
        return trial
    }

    /// Takes `orders` off the day's published plan (a new version without them), every other
    /// visit kept; nothing happens when none of them is planned. `day` is the day as the caller
    /// read it after its last change to the orders (the scenario and the stored orders: not read
    /// again, publishing included).
    @discardableResult
    func withdraw(
        _ orders: Set<String>, from date: LocalDate, cause: String, actor: String,
        lostReason: String? = nil, day read: (scenario: Scenario, orders: [StoredOrder])? = nil
    ) throws -> PublishOutcome? {
        guard let previous = try tx.publishedPlan(on: date, lock: true),
            previous.visits.contains(where: { orders.contains($0.order) })
        else { return nil }
        let scenario = try read?.scenario ?? day(date, like: date)
        let kept = previous.visits.filter { !orders.contains($0.order) }
        var plan = try rebuild(scenario, previous: previous, kept: kept, reinsert: [])
        // Orders leaving the day's work (rebooking, cancelled) are not listed; one without a
        // promise that goes back to `new` stays an order of the day, unassigned.
        let known = Dictionary((read?.orders ?? []).map { ($0.order.id, $0) }, uniquingKeysWith: { first, _ in first })
        let gone = Set(
            try orders.compactMap { try known[$0] ?? tx.order($0) }.filter { !OrderWorkflow.isPlanned($0.state, locked: true) }
                .map(\.order.id))
        plan.unassigned.removeAll { gone.contains($0.order) }
        plan.kpis.orders = plan.visits.count + plan.unassigned.count
        return try publish(
            plan, day: scenario, previous: previous, cause: cause, actor: actor,
            lostReason: lostReason ?? "the plan changed (\(cause)) and this visit no longer fits", releasing: orders,
            stored: read?.orders)
    }

    /// The published visits of `previous` grouped into jobs (a group's visits together), by start.
    func jobs(of visits: [PlannedVisit], in scenario: Scenario) -> [[WorkOrder]] {
        let orders = Dictionary(scenario.orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var jobs: [String: [WorkOrder]] = [:]
        var first: [String: Instant] = [:]
        for visit in visits {
            guard let order = orders[visit.order] else { continue }
            let key = visit.group ?? "order:\(visit.order)"
            jobs[key, default: []].append(order)
            first[key] = min(first[key] ?? visit.start, visit.start)
        }
        return jobs.keys.sorted { (first[$0]!, $0) < (first[$1]!, $1) }.map { jobs[$0]!.sorted { $0.id < $1.id } }
    }
}

extension DispatchOperations {
    /// Records a technician absent on a day. Their published visits of that day not yet begun
    /// (with the rest of each coordinated visit they share) go to other technicians where they
    /// still fit inside their windows (a new plan version); the rest, and visits already
    /// announced (notified or en route: same technician, same start), go to `rebooking` with a
    /// notice due now, before the window. A technician who falls ill after work began (a visit on
    /// site or done) is absent from then on: the visits begun stay theirs and their shift ends
    /// once the last of them is over and they are home. Recording it again changes nothing.
    public func recordAbsence(technician id: String, day date: LocalDate, reason: String?, actor: String) async throws -> PublishOutcome? {
        try await perform { context in
            guard let technician = try context.tx.technician(id) else { throw OperationError.notFound("no technician '\(id)'") }
            try context.lockDays([date])
            let previous = try context.tx.publishedPlan(on: date, lock: true)
            // The day read once: its orders' states and the scenario (the roster read again once
            // the absence is recorded).
            let read = try context.tx.scenarioAndOrders(on: date)
            let states = Dictionary((read?.orders ?? []).map { ($0.order.id, $0.state) }, uniquingKeysWith: { first, _ in first })
            func job(_ visit: PlannedVisit) -> String { visit.group ?? "order:\(visit.order)" }
            let own = previous?.visits.filter { $0.technician == id } ?? []
            let begunJobs = Set(own.filter { OrderWorkflow.begun.contains(states[$0.order] ?? .new) }.map(job))
            var fromMinute: Int?
            if !begunJobs.isEmpty, let scenario = read?.scenario {
                let zone = scenario.timeZone
                // Home after the last visit begun, and not before now.
                let locations = Dictionary(scenario.orders.map { ($0.id, $0.location) }, uniquingKeysWith: { first, _ in first })
                var leaves = context.now
                for visit in own where begunJobs.contains(job(visit)) {
                    let home = locations[visit.order].map { scenario.drive(from: $0, to: technician.endLocation, leaving: visit.end) } ?? 0
                    leaves = max(leaves, visit.end.adding(minutes: home))
                }
                let local = zone.local(leaves)
                var minute = min(
                    1440, local.date > date ? 1440 : local.time.minutesAfterMidnight + (leaves.secondsSinceEpoch % 60 == 0 ? 0 : 1))
                // The day as they worked it must still hold with the shift ending there (a break
                // still owed may need room too): later, a break's length at a time, up to the shift's end.
                let begunVisits = (previous?.visits ?? []).filter { begunJobs.contains(job($0)) }
                let step = max(15, scenario.policy.breakRule?.minutes ?? 30)
                while minute < technician.shift.end.minutesAfterMidnight {
                    // Their day alone: the other technicians have no part in it.
                    var trial = scenario
                    trial.technicians = scenario.technicians.filter { $0.id == id }
                    if let end = LocalTime(minutesAfterMidnight: minute), !trial.technicians.isEmpty {
                        trial.technicians[0].shift.end = end
                    }
                    let unassigned = Set(KeptDay(day: trial, kept: begunVisits).keptPlan().unassigned)
                    if !begunVisits.contains(where: { unassigned.contains($0.order) }) { break }
                    minute = min(technician.shift.end.minutesAfterMidnight, minute + step)
                }
                fromMinute = minute
            }
            guard
                try context.tx.recordAbsence(
                    technician: id, day: date, reason: reason, at: context.now, fromMinute: fromMinute, locked: try context.locked)
            else {
                return nil
            }
            guard let previous else { return nil }
            guard own.contains(where: { !begunJobs.contains(job($0)) }) else {
                // Nothing of theirs to move, but their shift is shorter or gone: what the plan
                // says about the unassigned orders (who could serve them) is said again if it changed.
                return try context.reexplain(nil, on: date, cause: "absence of \(id)", actor: actor)
            }
            // The technician's absence (or shorter shift) is in the roster now.
            guard var scenario = read?.scenario else { return nil }
            scenario.technicians = try context.tx.technicians(absentOn: date)
            let affectedGroups = Set(own.map(job)).subtracting(begunJobs)
            // A member of their coordinated visit begun or done by another technician stays where
            // it happened (found by bench/simulate.sh: the absence moved the whole pair, the half
            // done too, and was refused for dropping it).
            func begun(_ visit: PlannedVisit) -> Bool { OrderWorkflow.begun.contains(states[visit.order] ?? .new) }
            let moving = previous.visits.filter { affectedGroups.contains(job($0)) && !begun($0) }
            let kept = previous.visits.filter { !affectedGroups.contains(job($0)) || begun($0) }
            // A notified visit was promised with this technician at this start: it is not handed to
            // someone else but rebooked with the customer.
            let announced = Set(moving.filter { OrderWorkflow.locked.contains(states[$0.order] ?? .new) }.map(job))
            let reinsert = context.jobs(of: moving.filter { !announced.contains(job($0)) }, in: scenario)
            var plan = try context.rebuild(scenario, previous: previous, kept: kept, reinsert: reinsert)
            // The announced ones go to rebooking: not listed as unassigned.
            let rebooked = Set(moving.filter { announced.contains(job($0)) }.map(\.order))
            plan.unassigned.removeAll { rebooked.contains($0.order) }
            plan.kpis.orders = plan.visits.count + plan.unassigned.count
            let why = "technician \(id) is absent" + (reason.map { " (\($0))" } ?? "")
            return try context.publish(
                plan, day: scenario, previous: previous, cause: "absence of \(id)", actor: actor,
                lostReason: why, releasing: Set(moving.map(\.order)), stored: read?.orders)
        }
    }

    /// The technician reports being `minutes` late for the order's visit: the visit (its whole
    /// coordinated visit) moves by that much; the later visits of every technician it involves
    /// stay where they still fit, and otherwise go where they fit (on any technician), a
    /// coordinated visit always whole (a member on site or done stays where it happened); whatever
    /// can no longer be kept inside its window goes to `rebooking` with a notice, and a moved visit
    /// is announced again.
    public func delay(order id: String, minutes: Int, actor: String) async throws -> PublishOutcome {
        guard minutes > 0, minutes <= 720 else { throw OperationError.badInput("a delay must be between 1 and 720 minutes") }
        // Computed from a read of the day, published under its lock (`replanned`).
        let outcome = try await replanned(order: id, actor: actor) { context, order in
            try context.delayed(
                order, minutes: minutes, cause: "delay of \(id)", reason: "technician reports a delay of \(minutes) minutes")
        }
        guard let outcome else { throw OperationError.notFound("no order '\(id)'") }
        return outcome
    }
}

extension OperationContext {
    /// The re-plan of a delay (see `delay`), computed without writing anything: from a read of
    /// the day with no lock held, or inside the caller's transaction. The operation reacting to a
    /// technician's reports computes it too, with its own cause. `day` is the day as the caller
    /// read it (the published plan; the scenario; the stored orders), when it did: not read again,
    /// publishing included.
    func delayed(
        _ order: StoredOrder, minutes: Int, cause: String, reason: String,
        day read: (plan: PublishedPlan, scenario: Scenario, orders: [StoredOrder])? = nil
    ) throws -> Replan {
        let id = order.order.id
        let active: Set<OrderState> = [.scheduled, .confirmed, .notified, .enRoute]
        guard active.contains(order.state) else {
            throw OperationError.badInput("order \(id) is \(order.state): only a planned visit not yet started can be delayed")
        }
        guard let previous = try read?.plan ?? tx.publishedPlan(on: order.serviceDay),
            previous.visits.contains(where: { $0.order == id })
        else {
            throw OperationError.conflict("order \(id) has no visit in the published plan of \(order.serviceDay)")
        }
        // The day read once (the scenario with its orders' states) when the caller did not.
        guard let day = try read.map({ ($0.scenario, $0.orders) }) ?? tx.scenarioAndOrders(on: order.serviceDay) else {
            throw OperationError.notFound("no service day \(order.serviceDay)")
        }
        var scenario = day.0
        // The part of the visit still to come: members of a coordinated visit already begun or
        // done stay as they are (and then the customer was reached: the window is kept).
        let whole = try work(of: order)
        let members = whole.filter { !OrderWorkflow.begun.contains($0.state) }
        let arrived = members.count < whole.count
        let work = Set(members.map(\.order.id))
        // Every technician of the visit is late from their part of it on.
        var from: [String: Instant] = [:]
        for visit in previous.visits where work.contains(visit.order) {
            from[visit.technician] = min(from[visit.technician] ?? visit.start, visit.start)
        }
        // Visits begun or done stay as they are, whatever their planned start.
        let states = Dictionary(day.1.map { ($0.order.id, $0.state) }, uniquingKeysWith: { first, _ in first })
        let later = previous.visits.filter { visit in
            !work.contains(visit.order) && !OrderWorkflow.begun.contains(states[visit.order] ?? .new)
                && from[visit.technician].map { visit.start > $0 } ?? false
        }
        let laterIDs = Set(later.map(\.order))
        var kept = previous.visits.filter { !laterIDs.contains($0.order) && !work.contains($0.order) }
        let shifted = previous.visits.filter { work.contains($0.order) }.map { member -> PlannedVisit in
            var member = member
            member.start = member.start.adding(minutes: minutes)
            member.end = member.end.adding(minutes: minutes)
            member.noticeAt = member.noticeAt.adding(minutes: minutes)
            return member
        }
        // An arrival past the window breaks the promise: the visit is unassigned and rebooked.
        let arrival = shifted.map(\.start).min() ?? order.order.window?.start ?? now
        let keepsWindow = arrived || (order.order.window.map { arrival <= $0.end } ?? true)
        if keepsWindow { kept += shifted }
        // Locked where they now start, as publishing will store them (a technician on the way, or
        // a start due sooner than the notice allows): facts the rest of the day is planned around.
        let horizon = now.adding(minutes: scenario.policy.noticeMinutes)
        let onTheWay = Set(members.filter { $0.state == .enRoute }.map(\.order.id))
        // The others are announced again, so their old locks are gone. A coordinated visit is one
        // visit: fixed when any of its members is (found by bench/simulate.sh: the second half,
        // left unlocked behind the first on the way, was not seen to crowd the break out, and the
        // re-plan dropped the visit done before them to make room for it).
        // The rest of a visit begun is fixed too: it follows the members that happened, where it is
        // announced again (found by bench/concurrency.sh: the second half of a pair whose first half
        // was on site, delayed and left unlocked, was neither back to back nor a visit announced
        // again for the checker, nor for a later re-plan).
        let fixed = arrived || shifted.contains { onTheWay.contains($0.order) || $0.start < horizon }
        if keepsWindow {
            for visit in shifted {
                guard let index = scenario.orders.firstIndex(where: { $0.id == visit.order }) else { continue }
                scenario.orders[index].lock = fixed ? Lock(technicianID: visit.technician, start: visit.start) : nil
            }
        }
        // (What happened keeps its place: found by bench/concurrency.sh, a visit delayed onto the
        // place of a later one its technician had already done took it, and the delay was refused
        // for dropping the visit done.)
        let settled = Set(kept.map(\.order).filter { OrderWorkflow.begun.contains(states[$0] ?? .new) })
        var plan = try rebuild(scenario, previous: previous, kept: kept, movable: later, reinsert: [], settled: settled, first: work)
        if !keepsWindow {
            plan.unassigned.removeAll { work.contains($0.order) }
            plan.kpis.orders = plan.visits.count + plan.unassigned.count
        }
        // The technician is on their way, late: a visit now due sooner than the notice allows is
        // fixed where it is (its customer is told at once: the pre-arrival notice is due now).
        let placed = plan.visits.filter { work.contains($0.order) }
        let fixedAfter = arrived || placed.contains(where: { onTheWay.contains($0.order) || $0.start < horizon })
        return Replan(
            plan: plan, scenario: scenario, previous: previous, orders: day.1, cause: cause,
            lostReason: "the technician is delayed by \(minutes) minutes", releasing: work.union(laterIDs),
            notes: members.map { Replan.Note(order: $0.order.id, state: $0.state, reason: reason) },
            lockedAfter: fixedAfter ? Set(placed.map(\.order)) : [])
    }

    /// Records and publishes a re-plan computed by `delayed` or `reaction`: the notes on the
    /// orders' histories, the version, then the locks of the visits it fixes.
    func apply(_ replan: Replan, actor: String) throws -> PublishOutcome {
        for note in replan.notes {
            try tx.appendEvent(OrderEvent(order: note.order, at: now, actor: actor, from: note.state, to: note.state, reason: note.reason))
        }
        let outcome = try publish(
            replan.plan, day: replan.scenario, previous: replan.previous, cause: replan.cause, actor: actor,
            lostReason: replan.lostReason, releasing: replan.releasing, stored: replan.orders, offered: replan.offers)
        for visit in replan.plan.visits where replan.lockedAfter.contains(visit.order) {
            try tx.setLock(visit.order, Lock(technicianID: visit.technician, start: visit.start), locked: try locked)
        }
        return outcome
    }
}

/// A re-plan of part of a day (a delay, a reaction to a report), computed before anything is
/// written, so that it can be computed from a read of the day with no lock held and published
/// under the lock afterwards (`DispatchOperations.replanned`).
struct Replan: Sendable {
    /// A line on an order's history that does not change its state (why its visit moved).
    struct Note: Sendable {
        var order: String
        var state: OrderState
        var reason: String
    }
    var plan: Plan
    var scenario: Scenario
    /// The version the plan was computed from.
    var previous: PublishedPlan
    /// The day's orders as read when computed (not read again when published), if they were.
    var orders: [StoredOrder]?
    var cause: String
    var lostReason: String
    /// The locked visits this re-plan is about, which it may move or drop.
    var releasing: Set<String>
    var notes: [Note] = []
    /// Orders whose visit is locked where this plan places it, once published.
    var lockedAfter: Set<String> = []
    /// The windows offered to the customers whose visits it loses, found before the lock.
    var offers: [String: [Slot]]?
}

import DispatchStore
import SchedulingCore

/// The operation reacting to what technicians report (docs/operation.md, "The operation reacts").
public enum Reaction {
    /// A technician's next visit expected to start more than this many minutes after its planned
    /// start is re-planned by itself, as `dispatch delay` would.
    public static let thresholdMinutes = 15
    /// Reports after which a technician free early brings their next visit forward (a customer
    /// not at home is not work done: the next visit stays where it was promised).
    public static let finishedEarly: Set<OrderState> = [.completed, .transferred]
}

extension OperationContext {
    /// After `order` (planned as `visit`) was reported `state` now: when the technician's next
    /// visit can no longer start within `Reaction.thresholdMinutes` of its planned start, it is
    /// re-planned as a delay (its later visits with it; what no longer fits its window goes to
    /// rebooking with a notice before the window). Nil when nothing needed to change.
    func react(to order: StoredOrder, visit: PlannedVisit, state: OrderState, actor: String) throws -> PublishOutcome? {
        try reaction(to: order, visit: visit, state: state).map { try apply($0, actor: actor) }
    }

    /// The re-plan `react` publishes, computed without writing anything: from a read of the day
    /// (no lock held) or inside the caller's transaction.
    func reaction(to order: StoredOrder, visit: PlannedVisit, state: OrderState) throws -> Replan? {
        // The day read once: the plan, the scenario and the orders' states (after the report).
        guard let plan = try tx.publishedPlan(on: order.serviceDay),
            let (scenario, dayOrders) = try tx.scenarioAndOrders(on: order.serviceDay)
        else { return nil }
        guard let technician = scenario.technicians.first(where: { $0.id == visit.technician }) else { return nil }
        let locations = Dictionary(scenario.orders.map { ($0.id, $0.location) }, uniquingKeysWith: { first, _ in first })
        let states = Dictionary(dayOrders.map { ($0.order.id, $0.state) }, uniquingKeysWith: { first, _ in first })
        let own = plan.visits.filter { $0.technician == technician.id }.sorted { ($0.start, $0.order) < ($1.start, $1.order) }
        func travel(_ from: GeoPoint, _ order: String, leaving: Instant) -> Int {
            locations[order].map { scenario.drive(from: from, to: $0, leaving: leaving) } ?? 0
        }
        let here = locations[visit.order] ?? technician.startLocation
        let reported = "\(visit.order) reported \(state.rawValue) at \(scenario.timeZone.local(now).time)"

        // Where and when the technician is free, and the visit that comes next.
        let free: Instant
        let next: PlannedVisit?
        switch state {
        case .enRoute:
            // On the way to this very visit: it is the one that may be late.
            // (From the member of its own visit done just before, when the technician does both.)
            let before = own.last { $0.start < visit.start && $0.order != visit.order }
            let origin = before.flatMap { locations[$0.order] } ?? technician.startLocation
            free = now.adding(minutes: travel(origin, visit.order, leaving: now))
            next = own.first { $0.order == visit.order }
        case .onSite:
            // At work now: done once this visit (and the members of its group done back to back) is.
            let block = own.filter { $0.order == visit.order || ($0.group != nil && $0.group == visit.group && $0.start >= visit.start) }
            let work = block.reduce(0) { $0 + $1.start.seconds(until: $1.end) } / 60
            free = now.adding(minutes: work)
            next = own.first { $0.start > visit.start && !block.contains($0) }
        default:
            free = now
            next = own.first { $0.start > visit.start && $0.order != visit.order && ($0.group == nil || $0.group != visit.group) }
        }
        guard let next, !OrderWorkflow.begun.contains(states[next.order] ?? .new), let stored = try tx.order(next.order) else { return nil }
        let arrival = state == .enRoute ? free : free.adding(minutes: travel(here, next.order, leaving: free))
        let late = next.start.seconds(until: arrival) / 60
        if late > Reaction.thresholdMinutes {
            return try delayed(
                stored, minutes: late, cause: "reaction to \(reported)",
                reason: "expected \(late) minutes late: \(reported)", day: (plan, scenario, dayOrders))
        }
        // Free early: the next visit comes forward when it gains more than the threshold.
        if Reaction.finishedEarly.contains(state), -late > Reaction.thresholdMinutes {
            return advanced(
                next, to: arrival, after: visit, plan: plan, scenario: scenario, orders: dayOrders,
                state: states[next.order] ?? .new, cause: "reaction to \(reported)")
        }
        return nil
    }

    /// The technician finished `done` early: `next` (not yet announced) moves forward to
    /// `arrival`, but never sooner than its pre-arrival notice can still go out (now + notice)
    /// nor before its window; `done` ends in the plan when it really did (as run), every other
    /// visit kept as it is. Nil when that gains no more than the threshold or the day would not
    /// hold (a coordinated visit on either side is left as it is).
    func advanced(
        _ next: PlannedVisit, to arrival: Instant, after done: PlannedVisit, plan previous: PublishedPlan, scenario: Scenario,
        orders: [StoredOrder], state: OrderState, cause: String
    ) -> Replan? {
        guard done.group == nil, next.group == nil, [.scheduled, .confirmed].contains(state),
            let order = scenario.orders.first(where: { $0.id == next.order }), order.lock == nil, order.pin?.start == nil
        else { return nil }
        let minute = { (instant: Instant) in Instant(secondsSinceEpoch: (instant.secondsSinceEpoch + 59) / 60 * 60) }
        var start = max(minute(arrival), minute(now).adding(minutes: scenario.policy.noticeMinutes))
        if let window = order.window { start = max(start, window.start) }
        guard start.seconds(until: next.start) > Reaction.thresholdMinutes * 60 else { return nil }
        var finished = done
        finished.end = min(done.end, max(done.start.adding(minutes: 1), minute(now)))
        var moved = next
        moved.start = start
        moved.end = start.adding(minutes: order.durationMinutes)
        moved.noticeAt = start.adding(minutes: -scenario.policy.noticeMinutes)
        let kept = previous.visits.map { $0.order == done.order ? finished : $0.order == next.order ? moved : $0 }
        let (trial, unassigned) = KeptDay(day: scenario, kept: kept).keptPlan()
        guard unassigned.isEmpty, trial.visits.contains(moved) else { return nil }
        let minutes = start.seconds(until: next.start) / 60
        return Replan(
            plan: merged(trial, previous: previous, day: scenario), scenario: scenario, previous: previous, orders: orders,
            cause: cause, lostReason: "the plan changed (\(cause)) and this visit no longer fits", releasing: [next.order],
            notes: [Replan.Note(order: next.order, state: state, reason: "\(minutes) minutes earlier: \(cause)")])
    }
}

import DispatchStore
import SchedulingCore

/// The operation reacting to what technicians report (docs/operation.md, "The operation reacts").
public enum Reaction {
    /// A technician's next visit expected to start more than this many minutes after its planned
    /// start is re-planned by itself, as `dispatch delay` would.
    public static let thresholdMinutes = 15
}

extension OperationContext {
    /// After `order` (planned as `visit`) was reported `state` now: when the technician's next
    /// visit can no longer start within `Reaction.thresholdMinutes` of its planned start, it is
    /// re-planned as a delay (its later visits with it; what no longer fits its window goes to
    /// rebooking with a notice before the window). Nil when nothing needed to change.
    func react(to order: StoredOrder, visit: PlannedVisit, state: OrderState, actor: String) throws -> PublishOutcome? {
        guard let plan = try tx.publishedPlan(on: order.serviceDay, lock: true) else { return nil }
        let scenario = try day(order.serviceDay, like: order.serviceDay)
        guard let technician = scenario.technicians.first(where: { $0.id == visit.technician }) else { return nil }
        let locations = Dictionary(scenario.orders.map { ($0.id, $0.location) }, uniquingKeysWith: { first, _ in first })
        let states = Dictionary(try tx.orders(on: order.serviceDay).map { ($0.order.id, $0.state) }, uniquingKeysWith: { first, _ in first })
        let own = plan.visits.filter { $0.technician == technician.id }.sorted { ($0.start, $0.order) < ($1.start, $1.order) }
        func travel(_ from: GeoPoint, _ order: String) -> Int { locations[order].map { scenario.travel.minutes(from: from, to: $0) } ?? 0 }
        let here = locations[visit.order] ?? technician.startLocation
        let reported = "\(visit.order) reported \(state.rawValue) at \(scenario.timeZone.local(now).time)"

        // Where and when the technician is free, and the visit that comes next.
        let free: Instant
        let next: PlannedVisit?
        switch state {
        case .enRoute:
            // On the way to this very visit: it is the one that may be late.
            let before = own.last { $0.start < visit.start && $0.order != visit.order && $0.group != visit.group }
            let origin = before.flatMap { locations[$0.order] } ?? technician.startLocation
            free = now.adding(minutes: travel(origin, visit.order))
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
        let arrival = state == .enRoute ? free : free.adding(minutes: travel(here, next.order))
        let late = next.start.seconds(until: arrival) / 60
        if late > Reaction.thresholdMinutes {
            return try delayVisit(of: stored, minutes: late, actor: actor, cause: "reaction to \(reported)",
                                  reason: "expected \(late) minutes late: \(reported)")
        }
        // Free early: nothing moves yet. The published plan keeps a visit done early at its
        // planned length, so the next one could not start sooner without the plan holding the
        // times the work really took (an open point, docs/operation.md).
        return nil
    }
}

import DispatchStore
import SchedulingCore

/// The order state machine (README "The running operation"): which transitions exist, and which of them a
/// person may ask for directly (the others happen as the effect of an operation).
public enum OrderWorkflow {
    /// Every legal transition.
    public static let next: [OrderState: [OrderState]] = [
        .new: [.scheduled, .rebooking, .cancelled],
        // A visit a re-plan leaves unassigned without a promise goes back to `new`; a moved one needs
        // confirming again (`confirmed` back to `scheduled`).
        .scheduled: [.confirmed, .notified, .enRoute, .new, .rebooking, .cancelled],
        .confirmed: [.notified, .enRoute, .scheduled, .rebooking, .cancelled],
        // A notified visit whose technician cannot come after all (absent, delayed) is planned
        // again and announced again.
        .notified: [.enRoute, .onSite, .customerAbsent, .scheduled, .rebooking, .cancelled],
        .enRoute: [.onSite, .customerAbsent, .rebooking],
        .onSite: [.completed, .customerAbsent, .transferred],
        .customerAbsent: [.rebooking],
        .rebooking: [.scheduled, .cancelled],
        .completed: [], .transferred: [], .cancelled: [],
    ]

    /// States set only by operations: `scheduled` by publishing a plan, `confirmed` and
    /// `notified` by sending the confirmation and pre-arrival notices.
    public static let automatic: Set<OrderState> = [.scheduled, .confirmed, .notified, .new]

    public static func allows(_ from: OrderState, _ to: OrderState) -> Bool { next[from]?.contains(to) ?? false }

    /// Where a person may move an order from `state` with `dispatch status --set`.
    public static func manual(from state: OrderState) -> [OrderState] {
        (next[state] ?? []).filter { !automatic.contains($0) }
    }

    /// States whose visit must not be moved by any plan: the customer was told, or work began.
    public static let locked: Set<OrderState> = [.notified, .enRoute, .onSite]
    /// Whether the planner works with an order in `state`: one still to be visited is planned;
    /// one whose visit was announced, began or ended stays where its lock holds it; one waiting
    /// for a new appointment or cancelled is not listed.
    public static func isPlanned(_ state: OrderState, locked: Bool) -> Bool {
        switch state {
        case .new, .scheduled, .confirmed: return true
        case .notified, .enRoute, .onSite, .completed, .transferred: return locked
        case .customerAbsent, .cancelled, .rebooking: return false
        }
    }

    /// States whose visit began or happened: no operation moves it, whatever it is about.
    public static let begun: Set<OrderState> = [.onSite, .completed, .transferred, .customerAbsent]
    /// States whose technician is on the way or whose visit began or happened: no plan leaves it
    /// out (only the operation that releases it: a delay, an absence, a rebooking).
    public static let underway: Set<OrderState> = begun.union([.enRoute])
    /// The visit is over: it took the time it took (the plan may hold that, shorter than planned).
    public static let finished: Set<OrderState> = [.completed, .transferred, .customerAbsent]

    /// States of an order that is part of its day's work: every plan version of the day lists it,
    /// visited or unassigned (H9). Those waiting for a new appointment, cancelled, or whose customer
    /// was absent have left it.
    public static let dayWork: Set<OrderState> = [
        .new, .scheduled, .confirmed, .notified, .enRoute, .onSite, .completed, .transferred,
    ]

    /// States in which the order is done with (no visit needed any more).
    public static let closed: Set<OrderState> = [.completed, .transferred, .cancelled]

    /// A day's orders as the planner works with them: those it plans (`isPlanned`), in the form
    /// the solver needs (`plannable`), with `extra` orders added, each finished visit as long as
    /// it ran (`asRun`).
    public static func planning(
        _ orders: [WorkOrder], states: [String: OrderState], published: [PlannedVisit], adding extra: [WorkOrder] = []
    ) -> [WorkOrder] {
        let planned = plannable(orders.filter { order in states[order.id].map { isPlanned($0, locked: order.lock != nil) } ?? false })
        return asRun(planned + extra, states: states, published: published)
    }

    /// `orders` with each finished visit as long as the published plan holds it (a job done early
    /// ends there, as run), so a re-plan does not stretch it over the visit that came forward.
    public static func asRun(_ orders: [WorkOrder], states: [String: OrderState], published: [PlannedVisit]) -> [WorkOrder] {
        let lengths = Dictionary(
            published.map { ($0.order, ($0.end.secondsSinceEpoch - $0.start.secondsSinceEpoch) / 60) },
            uniquingKeysWith: { first, _ in first })
        return orders.map { order in
            guard finished.contains(states[order.id] ?? .new), let length = lengths[order.id], length > 0,
                length < order.durationMinutes
            else { return order }
            var done = order
            done.durationMinutes = length
            return done
        }
    }

    /// The orders as the solver must see them: where one technician does several members of a
    /// coordinated visit back to back and every one of them is locked (the notice locks the whole
    /// visit), only the first keeps its lock; the others are pinned to that technician and follow
    /// it back to back, at the very starts they were locked at, announced like it (the notice rule
    /// does not bind them; see `PlanningProblem`). (Locks on each would ask the solver to start
    /// them all together, which it cannot, and it would drop the visit.)
    /// A member locked later than the one before it ends (that one overran and this one was
    /// announced again) keeps its own lock.
    public static func plannable(_ orders: [WorkOrder]) -> [WorkOrder] {
        var locked: [String: [(start: Instant, end: Instant)]] = [:]
        for order in orders {
            guard let group = order.group, let lock = order.lock else { continue }
            locked["\(group)\u{1}\(lock.technicianID)", default: []].append((lock.start, lock.start.adding(minutes: order.durationMinutes)))
        }
        return orders.map { order in
            guard let group = order.group, let lock = order.lock,
                locked["\(group)\u{1}\(lock.technicianID)"]?.contains(where: { $0.start < lock.start && $0.end >= lock.start }) == true
            else { return order }
            var follower = order
            follower.lock = nil
            follower.pin = Pin(technicianID: lock.technicianID)
            // The group's arrival (the head's) is what the window promised (H2).
            follower.window = nil
            return follower
        }
    }
}

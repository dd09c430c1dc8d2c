import DispatchStore
import SchedulingCore

extension DispatchOperations {
    /// Work that arrived on a day whose plan is already published (an import during the day, an
    /// urgent repair): each order the published plan does not list yet is put where it costs least
    /// with every published visit kept (in the planner's priority order, a coordinated visit
    /// whole); what fits nowhere is listed as unassigned with its reason. One new plan
    /// version, cause "orders arrived". Nil when the day has no published plan or nothing new.
    public func placeArrivals(on date: LocalDate, actor: String) async throws -> PublishOutcome? {
        try await perform { context in try context.placeArrivals(on: date, actor: actor) }
    }
}

extension OperationContext {
    /// `DispatchOperations.placeArrivals`, in this transaction. `again` are orders of the day the
    /// published plan lists as unassigned that changed since (an order system's update): they are
    /// placed as if they had just arrived.
    func placeArrivals(on date: LocalDate, actor: String, again: Set<String> = []) throws -> PublishOutcome? {
        try lockDays([date])
        guard let previous = try tx.publishedPlan(on: date, lock: true) else { return nil }
        let scenario = try day(date, like: date)
        let listed = Set(previous.visits.map(\.order) + previous.unassigned.map(\.order).filter { !again.contains($0) })
        let states = Dictionary(try tx.orders(on: date).map { ($0.order.id, $0.state) }, uniquingKeysWith: { first, _ in first })
        let arrived = scenario.orders.filter { order in
            !listed.contains(order.id) && (states[order.id] == .new || states[order.id] == .scheduled) && order.lock == nil
        }
        guard !arrived.isEmpty else { return nil }
        // Whole coordinated visits, in the planner's priority order.
        var jobs: [String: [WorkOrder]] = [:]
        for order in arrived { jobs[order.group ?? "order:\(order.id)", default: []].append(order) }
        for order in scenario.orders where order.group.map({ jobs[$0] != nil }) ?? false && !arrived.contains(order) {
            jobs[order.group!]?.append(order)
        }
        let ordered = KeptDay.byPriority(Array(jobs.values), policy: scenario.policy, now: now)
        let kept = previous.visits.filter { !again.contains($0.order) }
        let (trial, _, _) = KeptDay(day: scenario, kept: kept).adding(jobs: ordered, now: now)
        var plan = merged(trial, previous: previous, day: scenario)
        // Every arrival is listed: visited, or unassigned with its reason.
        let missing = Set(arrived.map(\.id)).subtracting(plan.visits.map(\.order) + plan.unassigned.map(\.order))
        if !missing.isEmpty {
            plan.unassigned = explained(missing.union(plan.unassigned.map(\.order)), day: scenario, visits: plan.visits)
            plan.kpis.orders = plan.visits.count + plan.unassigned.count
        }
        return try publish(
            plan, day: scenario, previous: previous, cause: "orders arrived (\(arrived.count))", actor: actor,
            lostReason: "orders that arrived during the day could not be placed around this visit")
    }
}

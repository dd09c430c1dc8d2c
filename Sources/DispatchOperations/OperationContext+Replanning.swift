import DispatchStore
import SchedulingCore

extension OperationContext {
    /// The day rebuilt from a published plan: the `kept` visits stay exactly as they are (those
    /// that no longer fit, say for an absent technician, drop out), then each job of `reinsert`
    /// goes back where it still fits inside its window (anywhere in the day without one), in
    /// the order given. Jobs that fit nowhere are left out; publishing then rebooks them.
    func rebuild(_ scenario: Scenario, previous: PublishedPlan, kept: [PlannedVisit], reinsert jobs: [[WorkOrder]]) throws -> Plan {
        var plan = KeptDay(day: scenario, kept: kept).keptPlan().plan
        let placed = Set(plan.visits.map(\.order))
        for job in jobs where !job.contains(where: { placed.contains($0.id) }) {
            let window = job[0].window ?? scenario.wholeDay
            if let next = KeptDay(day: scenario, kept: plan.visits).adding(job, window: window, now: now) { plan = next }
        }
        return merged(plan, previous: try previousPlan(previous, day: scenario))
    }

    /// Takes `orders` off the day's published plan (a new version without them), every other
    /// visit kept; nothing happens when none of them is planned.
    @discardableResult
    func withdraw(_ orders: Set<String>, from date: LocalDate, cause: String, actor: String,
                  lostReason: String? = nil) throws -> PublishOutcome? {
        guard let previous = try tx.publishedPlan(on: date, lock: true),
              previous.visits.contains(where: { orders.contains($0.order) }) else { return nil }
        let scenario = try day(date, like: date)
        let kept = previous.visits.filter { !orders.contains($0.order) }
        let plan = try rebuild(scenario, previous: previous, kept: kept, reinsert: [])
        return try publish(plan, day: scenario, previous: previous, cause: cause, actor: actor,
                           lostReason: lostReason ?? "the plan changed (\(cause)) and this visit no longer fits")
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
    /// Records a technician absent on a day. Their published visits of that day go to other
    /// technicians where they still fit inside their windows (a new plan version); the rest, and
    /// visits already announced (notified: same technician, same start), go to `rebooking` with a
    /// notice due now, before the window. Recording it again changes nothing.
    public func recordAbsence(technician id: String, day date: LocalDate, reason: String?, actor: String) async throws -> PublishOutcome? {
        try await perform { context in
            guard try context.tx.technician(id) != nil else { throw OperationError.notFound("no technician '\(id)'") }
            guard try context.tx.recordAbsence(technician: id, day: date, reason: reason, at: context.now) else { return nil }
            guard let previous = try context.tx.publishedPlan(on: date, lock: true),
                  previous.visits.contains(where: { $0.technician == id }) else { return nil }
            let scenario = try context.day(date, like: date)
            func job(_ visit: PlannedVisit) -> String { visit.group ?? "order:\(visit.order)" }
            let affectedGroups = Set(previous.visits.filter { $0.technician == id }.map(job))
            let moving = previous.visits.filter { affectedGroups.contains(job($0)) }
            let kept = previous.visits.filter { !affectedGroups.contains(job($0)) }
            // A notified visit was promised with this technician at this start: it is not handed to
            // someone else but rebooked with the customer.
            let states = Dictionary(try context.tx.orders(on: date).map { ($0.order.id, $0.state) }, uniquingKeysWith: { first, _ in first })
            let announced = Set(moving.filter { OrderWorkflow.locked.contains(states[$0.order] ?? .new) }.map(job))
            let reinsert = context.jobs(of: moving.filter { !announced.contains(job($0)) }, in: scenario)
            let plan = try context.rebuild(scenario, previous: previous, kept: kept, reinsert: reinsert)
            let why = "technician \(id) is absent" + (reason.map { " (\($0))" } ?? "")
            return try context.publish(plan, day: scenario, previous: previous, cause: "absence of \(id)", actor: actor,
                                       lostReason: why)
        }
    }

    /// The technician reports being `minutes` late for the order's visit: the visit moves by
    /// that much; the technician's later visits go where they still fit (on any technician);
    /// whatever can no longer be kept inside its window goes to `rebooking` with a notice.
    public func delay(order id: String, minutes: Int, actor: String) async throws -> PublishOutcome {
        guard minutes > 0, minutes <= 720 else { throw OperationError.badInput("--minutes must be between 1 and 720") }
        return try await perform { context in
            let order = try context.requireOrder(id)
            let active: Set<OrderState> = [.scheduled, .confirmed, .notified, .enRoute]
            guard active.contains(order.state) else {
                throw OperationError.badInput("order \(id) is \(order.state): only a planned visit not yet started can be delayed")
            }
            guard let previous = try context.tx.publishedPlan(on: order.serviceDay, lock: true),
                  let visit = previous.visits.first(where: { $0.order == id }) else {
                throw OperationError.conflict("order \(id) has no visit in the published plan of \(order.serviceDay)")
            }
            let scenario = try context.day(order.serviceDay, like: order.serviceDay)
            let work = Set(try context.work(of: order).map(\.order.id))
            let later = previous.visits.filter { $0.technician == visit.technician && $0.start > visit.start && !work.contains($0.order) }
            let laterIDs = Set(later.map(\.order))
            var kept = previous.visits.filter { !laterIDs.contains($0.order) && !work.contains($0.order) }
            let shifted = previous.visits.filter { work.contains($0.order) }.map { member -> PlannedVisit in
                var member = member
                member.start = member.start.adding(minutes: minutes)
                member.end = member.end.adding(minutes: minutes)
                member.noticeAt = member.noticeAt.adding(minutes: minutes)
                return member
            }
            // An arrival past the window breaks the promise: the visit is left out and rebooked.
            let arrival = shifted.map(\.start).min() ?? visit.start
            if order.order.window.map({ arrival <= $0.end }) ?? true { kept += shifted }
            for member in try context.work(of: order) {
                try context.tx.appendEvent(OrderEvent(order: member.order.id, at: context.now, actor: actor, from: member.state,
                                                      to: member.state, reason: "technician reports a delay of \(minutes) minutes"))
            }
            let plan = try context.rebuild(scenario, previous: previous, kept: kept, reinsert: context.jobs(of: later, in: scenario))
            return try context.publish(plan, day: scenario, previous: previous, cause: "delay of \(id)", actor: actor,
                                       lostReason: "the technician is delayed by \(minutes) minutes")
        }
    }
}

import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

/// One order of a day as the desk sees it: its state, its published visit, and, for a repair,
/// its deadline.
public struct OrderLine: Sendable, Equatable {
    public var stored: StoredOrder
    public var visit: PlannedVisit?
    /// Repair deadline (fault reported + tier hours + time paused); nil for other work.
    public var deadline: Instant?
    /// The deadline clock is paused (customer absent, waiting for the new appointment).
    public var deadlinePaused: Bool
    /// A late repair (`OperationContext.isLateRepair`, the board counts the same).
    public var late: Bool
}

/// A stored day's orders with what the published plan says of them.
public struct DayOrders: Sendable {
    public var date: LocalDate
    public var zone: ServiceTimeZone
    public var publishedVersion: Int?
    public var lines: [OrderLine]
}

extension DispatchOperations {
    /// The day's orders with their published visits and repair deadlines; nil when no such day.
    public func orders(on date: LocalDate) async throws -> DayOrders? {
        try await read { context in
            guard let day = try context.tx.scenario(on: date) else { return nil }
            let plan = try context.tx.publishedPlan(on: date)
            let visits = Dictionary((plan?.visits ?? []).map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
            let lines = try context.tx.orders(on: date).map { stored -> OrderLine in
                let visit = visits[stored.order.id]
                let deadline = context.deadline(of: stored, policy: day.policy)
                return OrderLine(
                    stored: stored, visit: visit, deadline: deadline, deadlinePaused: stored.deadlinePausedSince != nil,
                    late: context.isLateRepair(stored, visit: visit, deadline: deadline))
            }
            return DayOrders(
                date: date, zone: day.timeZone, publishedVersion: plan?.version,
                lines: lines.sorted { naturallyBefore($0.stored.order.id, $1.stored.order.id) })
        }
    }

    /// The stored day as the planner should see it, the published version it replaces and the
    /// day's revision it was read at (give both back to `commitPlan`).
    ///
    /// Orders waiting for a new appointment (`rebooking`) and cancelled ones are not listed; visits
    /// under way or done (notified, en route, on site, completed, transferred) stay where they
    /// are, locked; everything else is planned.
    public func planningDay(_ date: LocalDate) async throws -> (scenario: Scenario, version: Int?, revision: Int)? {
        try await read { context in
            let published = try context.tx.publishedPlan(on: date)
            guard let (day, _) = try context.planningScenario(date, published: published) else { return nil }
            return (day, published?.version, try context.tx.revision(of: date) ?? 0)
        }
    }

    /// Publishes a plan computed from `planningDay` as the day's next version, with the effects
    /// of publishing (states, notices, rebooking); rebased when the day moved on since it was
    /// read (see `publish(_:actor:cause:)`): a plan computed from an older day is never
    /// published over what happened meanwhile, nor thrown away.
    public func commitPlan(_ plan: Plan, basedOn: Int?, revision: Int? = nil, seed: UInt64, actor: String) async throws -> PublishOutcome {
        try await publish(Proposal(plan: plan, basedOn: basedOn, revision: revision, seed: seed), actor: actor).outcome
    }
}

extension OperationContext {
    /// The one definition of a late repair, for the orders list, the board and the docs: an
    /// open repair (not completed, transferred or cancelled) whose deadline clock runs and whose
    /// published start — or, not planned, the present — is past its deadline.
    func isLateRepair(_ stored: StoredOrder, visit: PlannedVisit?, deadline: Instant?) -> Bool {
        guard let deadline, stored.deadlinePausedSince == nil, !OrderWorkflow.closed.contains(stored.state) else { return false }
        return (visit?.start ?? now) > deadline
    }

    /// Fault reported + the tier's hours, with the paused time (and a pause still running) added.
    func deadline(of stored: StoredOrder, policy: Policy) -> Instant? {
        guard let deadline = policy.repairDeadline(of: stored.order) else { return nil }
        let running = stored.deadlinePausedSince.map { max(0, $0.seconds(until: now)) } ?? 0
        return Instant(secondsSinceEpoch: deadline.secondsSinceEpoch + running)
    }
}

extension DispatchOperations {
    /// The time zone of each order's service day (UTC for an order not found), for showing
    /// times local to each order's day with their offset.
    public func zones(ofOrders ids: [String]) async -> [String: ServiceTimeZone] {
        var zones: [String: ServiceTimeZone] = [:]
        for id in ids where zones[id] == nil { zones[id] = (try? await zone(ofOrder: id)) ?? .utc }
        return zones
    }

    /// The time zone of the order's service day, for showing its times.
    public func zone(ofOrder id: String) async throws -> ServiceTimeZone {
        try await read { context in
            let order = try context.requireOrder(id)
            return try context.day(order.serviceDay, like: order.serviceDay).timeZone
        }
    }
}

extension DispatchOperations {
    /// The day's published plan with the day it plans, for `dispatch check --date`: the orders
    /// the planner works with (not those waiting for a new appointment or cancelled) and every
    /// order the plan names; the notice rule counts from when the plan was made, for the visits
    /// this version made or moved (`earlier`: the visits of the version before it).
    public func publishedForCheck(_ date: LocalDate) async throws
        -> (scenario: Scenario, plan: Plan, version: Int, earlier: [PlannedVisit], finished: Set<String>)?
    {
        try await read { context in
            guard let (stored, orders) = try context.tx.scenarioAndOrders(on: date), let published = try context.tx.publishedPlan(on: date)
            else { return nil }
            var day = stored
            // The document as published: what is checked.
            let plan = try published.decoded(on: date)
            let named = Set(plan.visits.map(\.order) + plan.unassigned.map(\.order))
            let states = Dictionary(orders.map { ($0.order.id, $0.state) }, uniquingKeysWith: { first, _ in first })
            day.orders = day.orders.filter { named.contains($0.id) || OrderWorkflow.dayWork.contains(states[$0.id] ?? .new) }
            // Orders the plan names that have moved to another day since (carried on by the nightly job) are still its orders.
            let present = Set(day.orders.map(\.id))
            day.orders += try context.tx.orders(ids: named.filter { !present.contains($0) }.sorted(), groups: []).map(\.order)
            day.now = published.plannedFor
            let earlier = try context.tx.publishedVersion(on: date, version: published.version - 1)?.visits ?? []
            let finished = Set(states.filter { OrderWorkflow.finished.contains($0.value) }.keys)
            return (day, plan, published.version, earlier, finished)
        }
    }
}

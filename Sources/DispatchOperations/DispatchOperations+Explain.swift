import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

/// Why an order is where it is, or why it is not planned.
public struct Explanation: Sendable {
    public var order: StoredOrder
    public var date: LocalDate
    public var zone: ServiceTimeZone
    /// Its visits in the published plan (several for a group split over technicians).
    public var visits: [PlannedVisit]
    /// Its entry among the unassigned orders of the published plan.
    public var unassigned: UnassignedOrder?
    /// What each technician makes of it, with every other published visit kept.
    public var verdicts: [KeptDay.Verdict]
}

extension DispatchOperations {
    /// Explains the order on its day (or `date`): its place in the published plan or the reason
    /// it has none, and for every technician the first rule that keeps them from it, or where it
    /// would fit in their published day, from the planner's own rules and insertion.
    public func explain(order id: String, date: LocalDate? = nil) async throws -> Explanation {
        try await read { context in
            let order = try context.requireOrder(id)
            let day = date ?? order.serviceDay
            let work = try context.work(of: order)
            guard var scenario = try context.tx.scenario(on: day) else { throw OperationError.notFound("no service day \(day)") }
            let present = Set(scenario.orders.map(\.id))
            scenario.orders += work.map(\.order).filter { !present.contains($0.id) }
            let published = try context.tx.publishedPlan(on: day)
            let plan = try context.previousPlan(published, day: scenario)
            let members = Set(work.map(\.order.id))
            let verdicts = KeptDay(day: scenario, kept: published?.visits ?? [])
                .verdicts(for: work.map(\.order), window: order.order.window, now: context.now)
            return Explanation(
                order: order, date: day, zone: scenario.timeZone,
                visits: (published?.visits ?? []).filter { members.contains($0.order) },
                unassigned: plan?.unassigned.first { $0.order == id }, verdicts: verdicts)
        }
    }
}

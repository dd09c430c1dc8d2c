/// The soft goals (README "Planning") as one number, in their order of importance: priority-weighted
/// service far above repair deadlines, far above travel, above contractor cost.
enum Objective {
    /// Per unit of order weight left unassigned.
    static let unassignedPerWeight = 1_000_000
    /// What a promise adds to an order's weight: a published visit in an agreed window outweighs
    /// any number of orders a day can hold (the first level: promises, then served weight).
    static let promiseWeight = 1_000_000
    static let lateRepair = 200_000
    static let lateMinute = 100
    static let travelMinute = 1_000
    /// Per cent of contractor price, and a little per outsourced order so in-house wins ties.
    static let perHundredCents = 1
    static let perOutsourcedOrder = 1
    /// A published visit given to another technician or moved by more than the slack: a re-plan
    /// moves a visit only to serve more, to avoid a late repair, or to save at least that much
    /// driving (`Stability`).
    static let movedVisit = Stability.movedVisitTravelMinutes * travelMinute
}

extension Objective {
    /// Contractor price, outsourcing and repair lateness of doing `order` on `technician` starting at `start`.
    static func visitPoints(_ order: Int, technician: Int, start: Int, _ problem: PlanningProblem) -> Int {
        var points = 0
        // Read fields one by one: copying the whole technician would copy its price table.
        if problem.technicians[technician].crew >= 0 {
            points +=
                (problem.technicians[technician].priceCents[problem.orders[order].type] ?? 0) / 100 * perHundredCents
                + perOutsourcedOrder
        }
        let deadline = problem.orders[order].deadline
        if start > deadline { points += lateRepair + (start - deadline) * lateMinute }
        let preferred = problem.orders[order].preferredTechnician
        if preferred >= 0 && (preferred != technician || abs(start - problem.orders[order].preferredStart) > Stability.slackMinutes) {
            points += movedVisit
        }
        return points
    }
}

extension Route {
    /// Travel, vehicle use, contractor price and repair lateness of this route in objective points.
    func cost(_ problem: PlanningProblem) -> Int {
        var points = travelTotal * problem.travelPoints + (isEmpty ? 0 : problem.technicians[technician].fixedCost)
        for (index, element) in elements.enumerated() where !element.isBreak {
            points += Objective.visitPoints(element.order, technician: technician, start: start[index], problem)
        }
        return points
    }
}

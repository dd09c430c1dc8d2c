/// The soft goals of DOMAIN.md as one number, in their order of importance: priority-weighted
/// service far above repair deadlines, far above travel, above contractor cost.
enum Objective {
    /// Per unit of order weight left unserved.
    static let unservedPerWeight = 1_000_000
    static let lateRepair = 200_000
    static let lateMinute = 100
    static let travelMinute = 1_000
    /// Per cent of contractor price, and a little per outsourced order so in-house wins ties.
    static let perHundredCents = 1
    static let perOutsourcedOrder = 1
}

extension Route {
    /// Travel, contractor price and repair lateness of this route in objective points.
    func cost(_ problem: PlanningProblem) -> Int {
        var points = travelMinutes * Objective.travelMinute
        let tech = problem.technicians[technician]
        for (index, element) in elements.enumerated() where !element.isBreak {
            let order = problem.orders[element.order]
            if tech.crew >= 0 {
                let type = problem.scenario.orders[element.order].type
                points += (tech.priceCents[type] ?? 0) / 100 * Objective.perHundredCents + Objective.perOutsourcedOrder
            }
            if start[index] > order.deadline {
                points += Objective.lateRepair + (start[index] - order.deadline) * Objective.lateMinute
            }
        }
        return points
    }
}

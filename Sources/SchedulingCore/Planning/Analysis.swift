/// What can be known about each order before planning: who may take it, who could serve it
/// alone in an empty day, and, if nobody can, the true reason (docs/formats.md, unassigned codes).
struct Analysis {
    /// Technicians that could serve the order as their only visit (with the break).
    var aloneTechnicians: [[Int]]
    /// The code and reason of orders nobody can serve, whatever else is planned.
    var blocked: [Int: (UnassignedCode, String)]

    init(_ problem: PlanningProblem) {
        // Benchmark instances have no scenario to name technicians and windows from.
        let explainer = problem.scenario.map { Explainer(problem: problem, scenario: $0) }
        aloneTechnicians = problem.orders.indices.map { index in
            let order = problem.orders[index]
            return order.eligible.filter { technician in
                let route = Route(technician: technician, problem: problem)
                return (0...route.elements.count).contains { position in
                    route.insertion(at: position, location: order.location, duration: order.duration,
                                    earliest: order.earliest, latest: order.latest, problem: problem) != nil
                }
            }
        }
        blocked = [:]
        for index in problem.orders.indices {
            let order = problem.orders[index]
            if order.eligible.isEmpty {
                blocked[index] = (.noQualifiedTechnician, explainer?.noQualifiedTechnician(index) ?? "no vehicle may take it")
            } else if !order.locked, order.latest < problem.noticeEarliest, order.hasWindow {
                blocked[index] = (.noticeTooShort, explainer?.noticeTooShort(index) ?? "its window closes before the notice allows")
            } else if aloneTechnicians[index].isEmpty {
                blocked[index] = (.windowUnreachable, explainer?.windowUnreachable(index) ?? "no vehicle can reach its window and return in time")
            }
        }
        for members in problem.groups where members.contains(where: { blocked[$0] != nil }) {
            let culprit = members.first { blocked[$0] != nil }!
            for member in members where blocked[member] == nil {
                blocked[member] = (.groupIncomplete, explainer?.groupIncomplete(member, because: culprit) ?? "its synchronised partner cannot be served")
            }
        }
    }
}

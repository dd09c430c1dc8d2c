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
        // A pinned or locked order may only go to its technician (CONTRACT H7).
        func candidates(_ order: PlanningProblem.Order) -> [Int] {
            order.fixedTechnician >= 0 ? order.eligible.filter { $0 == order.fixedTechnician } : order.eligible
        }
        // Each technician's empty day, built once (not once an order: a re-plan of a 2,000-order
        // day explains a thousand unassigned orders, each against every technician).
        var empty: [Route?] = Array(repeating: nil, count: problem.technicians.count)
        aloneTechnicians = problem.orders.indices.map { index in
            let order = problem.orders[index]
            return candidates(order).filter { technician in
                let route = empty[technician] ?? Route(technician: technician, problem: problem)
                empty[technician] = route
                return (0...route.elements.count).contains { position in
                    route.insertion(
                        at: position, location: order.location, duration: order.duration,
                        earliest: order.earliest, latest: order.latest, problem: problem) != nil
                }
            }
        }
        blocked = [:]
        for index in problem.orders.indices {
            let order = problem.orders[index]
            if candidates(order).isEmpty {
                blocked[index] = (.noQualifiedTechnician, explainer?.noQualifiedTechnician(index) ?? "no vehicle may take it")
            } else if !order.locked, order.latest < problem.noticeEarliest, order.hasWindow {
                blocked[index] = (.noticeTooShort, explainer?.noticeTooShort(index) ?? "its window closes before the notice allows")
            } else if aloneTechnicians[index].isEmpty {
                blocked[index] = (
                    .windowUnreachable, explainer?.windowUnreachable(index) ?? "no vehicle can reach its window and return in time"
                )
            }
        }
        for members in problem.groups where members.contains(where: { blocked[$0] != nil }) {
            let culprit = members.first { blocked[$0] != nil }!
            for member in members where blocked[member] == nil {
                blocked[member] = (
                    .groupIncomplete, explainer?.groupIncomplete(member, because: culprit) ?? "its synchronised partner cannot be served"
                )
            }
        }
    }

    /// The most specific true code for an order a plan leaves unassigned whose contractors carry
    /// `crewLoad` visits: why nobody can serve it, else its contractor quotas are used up, else
    /// other work was preferred.
    func unassigned(_ member: Int, id: String, jobSize: Int, crewLoad: [Int], problem: PlanningProblem, explainer: Explainer)
        -> UnassignedOrder
    {
        if let (code, reason) = blocked[member] { return UnassignedOrder(order: id, code: code, reason: reason) }
        // Could be served alone: unassigned for quota, or for other work.
        let alone = aloneTechnicians[member]
        let crews = Set(alone.map { problem.technicians[$0].crew })
        if !crews.contains(-1), crews.allSatisfy({ crewLoad[$0] + jobSize > problem.crewQuota[$0] }) {
            return UnassignedOrder(order: id, code: .crewQuota, reason: explainer.crewQuota(member, crews: crews.sorted()))
        }
        return UnassignedOrder(order: id, code: .displaced, reason: explainer.displaced(member, alone: alone))
    }
}

/// Why orders are unassigned on a published day, as of the day's `now`: the same codes the planner
/// gives, computed again when a day changes during the day (time passes, an absence, a pin), so
/// a code carried over from an earlier version is still true.
public enum UnassignedExplainer {
    /// One entry per id of `ids` that is an order of `day`, given the contractors' load in `visits`.
    public static func explain(_ ids: Set<String>, day: Scenario, visits: [PlannedVisit]) -> [UnassignedOrder] {
        guard !ids.isEmpty else { return [] }
        var trial = day
        let groups = Set(day.orders.filter { ids.contains($0.id) }.compactMap(\.group))
        trial.orders = day.orders.filter { ids.contains($0.id) || ($0.group.map(groups.contains) ?? false) }
        let problem = PlanningProblem(trial)
        let analysis = Analysis(problem)
        let explainer = Explainer(problem: problem, scenario: trial)
        let technicianCrew = Dictionary(
            day.technicians.enumerated().map { ($1.id, problem.technicians[$0].crew) },
            uniquingKeysWith: { first, _ in first })
        var load = [Int](repeating: 0, count: problem.crewQuota.count)
        for visit in visits { if let crew = technicianCrew[visit.technician], crew >= 0 { load[crew] += 1 } }
        return problem.orderIDs.indices.filter { ids.contains(problem.orderIDs[$0]) }.map { index in
            let size = problem.orders[index].group >= 0 ? problem.groups[problem.orders[index].group].count : 1
            return analysis.unassigned(
                index, id: problem.orderIDs[index], jobSize: size, crewLoad: load, problem: problem, explainer: explainer)
        }
    }
}

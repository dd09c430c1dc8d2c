/// Turns a solution into the plan of docs/formats.md, with every unassigned order explained.
struct PlanBuilder {
    let problem: PlanningProblem
    let analysis: Analysis
    let jobs: [Job]
    let scenario: Scenario

    func plan(from solution: Solution, warnings: [String]) -> Plan {
        var visits: [PlannedVisit] = []
        var routes: [PlannedRoute] = []
        var contacts = Set<Int>()
        for job in jobs where job.leads {
            if let head = job.members.first(where: { solution.routeOf[$0] >= 0 }) { contacts.insert(head) }
        }
        var lateRepairs = 0
        var outsourced = 0
        var outsourcedCents = 0
        for route in solution.routes where !route.isEmpty {
            let tech = problem.technicians[route.technician]
            let technician = scenario.technicians[route.technician]
            var orderIDs: [String] = []
            var breakStart: Instant?
            for (index, element) in route.elements.enumerated() {
                let start = route.start[index]
                if element.isBreak {
                    // Taken on arrival, or on the way when arriving would be past its latest start.
                    breakStart = problem.instant(min(start, element.latest))
                    continue
                }
                let order = scenario.orders[element.order]
                orderIDs.append(order.id)
                let startInstant = problem.instant(start)
                visits.append(
                    PlannedVisit(
                        order: order.id, technician: technician.id, start: startInstant,
                        end: startInstant.adding(minutes: order.durationMinutes),
                        noticeAt: startInstant.adding(minutes: -scenario.policy.noticeMinutes), group: order.group,
                        contact: problem.orders[element.order].group >= 0 && contacts.contains(element.order)))
                if start > problem.orders[element.order].deadline { lateRepairs += 1 }
                if tech.crew >= 0 {
                    outsourced += 1
                    outsourcedCents += tech.priceCents[order.type] ?? 0
                }
            }
            let first = route.elements[0]
            // They leave as late as still arrives in time (by time of day, the first leg is then
            // driven at the departure's traffic, not the shift start's).
            let depart = problem.departure(tech.startLocation, first.location, arriving: route.start[0])
            let travel =
                route.travelTotal - problem.drive(tech.startLocation, first.location, leaving: route.shiftStart)
                + problem.drive(tech.startLocation, first.location, leaving: depart)
            routes.append(
                PlannedRoute(
                    technician: technician.id, depart: problem.instant(depart), returnAt: problem.instant(route.returnTime),
                    orders: orderIDs, breakStart: breakStart, travelMinutes: travel))
        }
        visits.sort { ($0.start, $0.technician, $0.order) < ($1.start, $1.technician, $1.order) }
        routes.sort { $0.technician < $1.technician }
        let unassigned = explainUnassigned(solution).sorted { $0.order < $1.order }
        let kpis = PlanKPIs(
            orders: scenario.orders.count, assigned: visits.count,
            travelMinutes: routes.reduce(0) { $0 + $1.travelMinutes }, outsourcedOrders: outsourced,
            outsourcedCost: Money(cents: outsourcedCents), lateRepairs: lateRepairs)
        return Plan(
            scenario: scenario.name, date: scenario.date, visits: visits, routes: routes,
            unassigned: unassigned, kpis: kpis, warnings: warnings)
    }

    /// The most specific true code for each unassigned order.
    func explainUnassigned(_ solution: Solution) -> [UnassignedOrder] {
        let explainer = Explainer(problem: problem, scenario: scenario)
        var result: [UnassignedOrder] = []
        for job in jobs where solution.routeOf[job.members[0]] < 0 {
            for member in job.members {
                result.append(
                    analysis.unassigned(
                        member, id: scenario.orders[member].id, jobSize: job.members.count,
                        crewLoad: solution.crewLoad, problem: problem, explainer: explainer))
            }
        }
        return result
    }
}

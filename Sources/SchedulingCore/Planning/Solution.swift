/// A complete assignment: every technician's route and which orders are unassigned.
struct Solution {
    var routes: [Route]
    /// Route (= technician) of each order, or -1.
    var routeOf: [Int]
    /// Orders each contractor crew has today.
    var crewLoad: [Int]
    /// Cached `Route.cost` of each route.
    var routeCost: [Int]
    /// Sum of the weights of orders not served.
    var unservedWeight: Int
    /// No job may open an empty route (while the fleet is being reduced).
    var noNewRoutes = false

    init(problem: PlanningProblem) {
        routes = problem.technicians.indices.map { Route(technician: $0, problem: problem) }
        routeOf = [Int](repeating: -1, count: problem.orders.count)
        crewLoad = [Int](repeating: 0, count: problem.crewQuota.count)
        routeCost = routes.map { problem.costs.route($0, problem) }
        unservedWeight = problem.orders.reduce(0) { $0 + $1.weight }
    }

    var objective: Int {
        unservedWeight * CostEvaluator.unassignedPerWeight + routeCost.reduce(0, +)
    }

    /// Room left in the crew quota of `technician` (Int.max in-house).
    func quotaRoom(_ technician: Int, _ problem: PlanningProblem) -> Int {
        let crew = problem.technicians[technician].crew
        guard crew >= 0 else { return Int.max }
        let quota = problem.crewQuota[crew]
        return quota == Int.max ? Int.max : quota - crewLoad[crew]
    }

    mutating func place(_ block: [Route.Element], route: Int, position: Int, problem: PlanningProblem) {
        routes[route].insert(block, at: position, problem: problem)
        for element in block {
            routeOf[element.order] = route
            unservedWeight -= problem.orders[element.order].weight
        }
        let crew = problem.technicians[route].crew
        if crew >= 0 { crewLoad[crew] += block.count }
        routeCost[route] = problem.costs.route(routes[route], problem)
    }

    /// Takes the given orders out of their routes and re-places each touched route's break.
    ///
    /// Returns false when a touched route is left infeasible (the break, taken on arrival at the
    /// next stop or on the way by its latest start, may find a longer drive there when travel
    /// times, rounded to minutes, break the triangle inequality). Callers discard such a solution.
    @discardableResult
    mutating func remove(_ orders: [Int], problem: PlanningProblem) -> Bool {
        var byRoute: [Int: Set<Int>] = [:]
        for order in orders {
            let route = routeOf[order]
            guard route >= 0 else { continue }
            byRoute[route, default: []].insert(order)
            routeOf[order] = -1
            unservedWeight += problem.orders[order].weight
            let crew = problem.technicians[route].crew
            if crew >= 0 { crewLoad[crew] -= 1 }
        }
        var feasible = true
        for (route, removed) in byRoute {
            routes[route].remove(orders: removed, problem: problem)
            routes[route].placeBreak(problem)
            routeCost[route] = problem.costs.route(routes[route], problem)
            feasible = feasible && routes[route].feasible
        }
        return feasible
    }

    /// Orders on routes that break a rule (none, unless a move above was wrong).
    func ordersOnInfeasibleRoutes() -> [Int] {
        routes.filter { !$0.feasible }.flatMap { $0.elements.filter { !$0.isBreak }.map(\.order) }
    }

    /// Puts two rebuilt routes in place of routes `first` and `second` when both keep the rules
    /// and together cost less; true if they did. The two hold the same orders between them as
    /// before, each crew as many (a move between twins, or one order for one), so the quotas and
    /// what is served stay.
    mutating func replaceIfCheaper(_ first: Int, with a: Route, _ second: Int, with b: Route, problem: PlanningProblem) -> Bool {
        guard a.feasible, b.feasible else { return false }
        let costA = problem.costs.route(a, problem)
        let costB = problem.costs.route(b, problem)
        guard costA + costB < routeCost[first] + routeCost[second] else { return false }
        routes[first] = a
        routes[second] = b
        routeCost[first] = costA
        routeCost[second] = costB
        for element in a.elements where !element.isBreak { routeOf[element.order] = first }
        for element in b.elements where !element.isBreak { routeOf[element.order] = second }
        return true
    }

    /// Re-places the route's break (if it has one) and updates its cached cost.
    mutating func refreshBreak(_ route: Int, problem: PlanningProblem) {
        if routes[route].hasBreak { routes[route].placeBreak(problem) }
        routeCost[route] = problem.costs.route(routes[route], problem)
    }
}

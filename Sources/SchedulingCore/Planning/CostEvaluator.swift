/// The objective as a value: the soft goals (docs/planning.md) as one number, level by level —
/// promises and priority-weighted service far above repair deadlines, far above cost (a
/// contractor's price and in-house time, in money) and travel, which are weighed together.
///
/// Every operator prices its move through this value (a route's cost, a visit's), so a term
/// added here is seen by construction, the search and the nightly job alike. `terms(of:)` splits a
/// solution's objective into its levels; the sum is the objective (tested against a
/// recomputation from the plan).
public struct CostEvaluator: Sendable {
    /// Per unit of order weight left unassigned.
    public static let unassignedPerWeight = 1_000_000
    /// What a promise adds to an order's weight: a published visit in an agreed window outweighs
    /// any number of orders a day can hold (the first level: promises, then served weight).
    public static let promiseWeight = 1_000_000
    /// A repair started past its deadline, and each minute past it.
    public static let lateRepair = 200_000
    public static let lateMinute = 100
    /// A minute of travel in a scenario.
    public static let travelMinute = 1_000
    /// Per cent of money: a contractor's price, an in-house technician's time
    /// (`Policy.inHouseHourCost`). 1.00 of money weighs as much as a minute of travel.
    public static let perCent = 10
    /// A little per outsourced order, so in-house wins ties.
    public static let perOutsourcedOrder = 1
    /// A published visit given to another technician or moved by more than the slack: a re-plan
    /// moves a visit only to serve more, to avoid a late repair, or to save at least that much
    /// driving (`Stability`).
    public static let movedVisit = Stability.movedVisitTravelMinutes * travelMinute

    /// Points per unit of travel: `travelMinute` for a scenario (minutes); 1 for a benchmark
    /// (thousandths of a distance unit), so search parameters mean the same in both.
    public var travelUnit = travelMinute
    /// Points of a minute of each technician's work, driving or at a customer's: an in-house
    /// technician's hour cost by the minute; 0 for contractor staff (paid by the order). Empty
    /// in a benchmark: nobody's time is priced.
    public var minutePoints: [Int] = []

    public init() {}

    /// Points of a unit of `technician`'s driving: travel itself and their time.
    @inline(__always)
    public func travel(of technician: Int) -> Int {
        minutePoints.isEmpty ? travelUnit : travelUnit + minutePoints[technician]
    }

    /// Money (a contractor's price or in-house time at the customer's), repair lateness and
    /// stability of doing `order` on `technician` starting at `start`.
    func visit(_ order: Int, technician: Int, start: Int, _ problem: PlanningProblem) -> Int {
        let parts = visitTerms(order, technician: technician, start: start, problem)
        return parts.money + parts.lateness + parts.stability
    }

    @inline(__always)
    func visitTerms(_ order: Int, technician: Int, start: Int, _ problem: PlanningProblem) -> (
        money: Int, lateness: Int, stability: Int
    ) {
        var money = 0
        // Read fields one by one: copying the whole technician would copy its price table.
        if problem.technicians[technician].crew >= 0 {
            money += (problem.technicians[technician].priceCents[problem.orders[order].type] ?? 0) * Self.perCent + Self.perOutsourcedOrder
        } else if !minutePoints.isEmpty {
            // An in-house technician's time at the customer's (their driving is in the route's travel).
            money += problem.orders[order].duration * minutePoints[technician]
        }
        var lateness = 0
        let deadline = problem.orders[order].deadline
        if start > deadline { lateness += Self.lateRepair + (start - deadline) * Self.lateMinute }
        var stability = 0
        let preferred = problem.orders[order].preferredTechnician
        if preferred >= 0 && (preferred != technician || abs(start - problem.orders[order].preferredStart) > Stability.slackMinutes) {
            stability += Self.movedVisit
        }
        return (money, lateness, stability)
    }

    /// Travel, vehicle use, money, repair lateness and stability of a route in objective points.
    func route(_ route: Route, _ problem: PlanningProblem) -> Int {
        var points =
            route.travelTotal * travel(of: route.technician) + (route.isEmpty ? 0 : problem.technicians[route.technician].fixedCost)
        for (index, element) in route.elements.enumerated() where !element.isBreak {
            points += visit(element.order, technician: route.technician, start: route.start[index], problem)
        }
        return points
    }

    /// A solution's objective split by level.
    public struct Terms: Equatable, Sendable {
        /// Weight of the orders left out (promises included) times `unassignedPerWeight`.
        public var unserved = 0
        /// Repairs late.
        public var lateness = 0
        /// Contractors' prices and in-house time (driving and at customers'), at `perCent`.
        public var money = 0
        /// Travel at `travelUnit`.
        public var travel = 0
        /// Published visits moved (`movedVisit` each).
        public var stability = 0
        /// Vehicles used (a benchmark's fleet objective).
        public var vehicles = 0

        public var total: Int { unserved + lateness + money + travel + stability + vehicles }
    }

    /// Money and travel of a finished plan of `scenario` in objective points, as `terms(of:)`
    /// weighs them (`money + travel`): the plan's travel, each contractor visit at its crew's
    /// price, each in-house technician's time (driving and at customers') at the policy's hour
    /// cost. For comparing finished plans (the nightly job's candidates) by the search's own rule.
    public static func moneyAndTravel(of plan: Plan, in scenario: Scenario) -> Int {
        let minute = scenario.policy.inHouseHourCost.cents * perCent / 60
        let orders = Dictionary(scenario.orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let technicians = Dictionary(scenario.technicians.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let crews = Dictionary(scenario.crews.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var points = plan.kpis.travelMinutes * travelMinute
        for visit in plan.visits {
            guard let order = orders[visit.order], let technician = technicians[visit.technician] else { continue }
            if let crew = technician.crewID {
                points += (crews[crew]?.contract?.prices[order.type]?.cents ?? 0) * perCent + perOutsourcedOrder
            } else {
                points += order.durationMinutes * minute
            }
        }
        for route in plan.routes where technicians[route.technician].map({ $0.crewID == nil }) ?? false {
            points += route.travelMinutes * minute
        }
        return points
    }

    func terms(of solution: Solution, _ problem: PlanningProblem) -> Terms {
        var terms = Terms()
        terms.unserved = solution.unservedWeight * Self.unassignedPerWeight
        // Every route, an empty one too: its start and end may differ.
        for route in solution.routes {
            if !route.isEmpty { terms.vehicles += problem.technicians[route.technician].fixedCost }
            terms.travel += route.travelTotal * travelUnit
            terms.money += route.travelTotal * (minutePoints.isEmpty ? 0 : minutePoints[route.technician])
            for (index, element) in route.elements.enumerated() where !element.isBreak {
                let parts = visitTerms(element.order, technician: route.technician, start: route.start[index], problem)
                terms.money += parts.money
                terms.lateness += parts.lateness
                terms.stability += parts.stability
            }
        }
        return terms
    }
}

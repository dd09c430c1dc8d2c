import Testing

@testable import SchedulingCore

/// The objective's levels (`CostEvaluator.terms(of:)`), each recomputed from the plan the
/// solution becomes: what the plan says was driven, who did what at which price, which repair
/// started late — read from the scenario and the plan, not from the solver's routes.
@Suite("The cost evaluator's terms")
struct CostEvaluatorTests {
    @Test("Each level equals its recomputation from the plan, and the levels add up to the objective", arguments: [UInt64(3), 4, 5])
    func termsRecomputed(seed: UInt64) throws {
        var generator = CityDayGenerator(orders: 90, technicians: 9, seed: seed)
        generator.contractorShare = 0.4
        let scenario = generator.scenario()
        let solver = Solver(scenario: scenario, options: SolverOptions(seed: seed, iterations: 150))
        var warnings: [String] = []
        let (solution, _) = solver.engine.solve(warnings: &warnings)
        let plan = PlanBuilder(
            problem: solver.engine.problem, analysis: solver.engine.analysis, jobs: solver.engine.jobs, scenario: scenario
        )
        .plan(from: solution, warnings: warnings)
        let terms = solver.engine.problem.costs.terms(of: solution, solver.engine.problem)
        #expect(terms.total == solution.objective)

        let orders = Dictionary(uniqueKeysWithValues: scenario.orders.map { ($0.id, $0) })
        let technicians = Dictionary(uniqueKeysWithValues: scenario.technicians.map { ($0.id, $0) })
        let crews = Dictionary(uniqueKeysWithValues: scenario.crews.map { ($0.id, $0) })
        // A minute of in-house time, as the policy prices it.
        let minute = scenario.policy.inHouseHourCost.cents * CostEvaluator.perCent / 60
        var money = 0
        var lateness = 0
        var contractorVisits = 0
        var inHouseVisits = 0
        for visit in plan.visits {
            let order = try #require(orders[visit.order])
            let technician = try #require(technicians[visit.technician])
            if let crew = technician.crewID {
                contractorVisits += 1
                let price = crews[crew]?.contract?.prices[order.type]?.cents ?? 0
                money += price * CostEvaluator.perCent + CostEvaluator.perOutsourcedOrder
            } else {
                inHouseVisits += 1
                money += order.durationMinutes * minute
            }
            if let deadline = scenario.policy.repairDeadline(of: order), visit.start > deadline {
                lateness += CostEvaluator.lateRepair + deadline.minutes(until: visit.start) * CostEvaluator.lateMinute
            }
        }
        for route in plan.routes where technicians[route.technician]?.crewID == nil {
            money += route.travelMinutes * minute
        }
        let weights = Dictionary(uniqueKeysWithValues: zip(solver.engine.problem.orderIDs, solver.engine.problem.orders.map(\.weight)))
        let unserved = plan.unassigned.reduce(0) { $0 + (weights[$1.order] ?? 0) }
        #expect(terms.travel == plan.kpis.travelMinutes * CostEvaluator.travelMinute)
        #expect(terms.money == money)
        // The finished plan priced by the rule the nightly job compares plans with: the same.
        #expect(CostEvaluator.moneyAndTravel(of: plan, in: scenario) == terms.money + terms.travel)
        #expect(terms.lateness == lateness)
        #expect(terms.unserved == unserved * CostEvaluator.unassignedPerWeight)
        // Nothing was published, so nothing moved; no vehicle costs anything in a scenario.
        #expect(terms.stability == 0 && terms.vehicles == 0)
        // The cases occurred: both kinds of technician worked, and money was more than travel's share.
        #expect(contractorVisits > 0 && inHouseVisits > 0, "\(contractorVisits) contractor, \(inHouseVisits) in-house visits")
        #expect(terms.money > 0 && terms.travel > 0)
    }

    @Test("Published visits: the one given to another technician costs the stability term, the rest nothing")
    func stabilityTerm() throws {
        var generator = CityDayGenerator(orders: 30, technicians: 4, seed: 8)
        generator.contractorShare = 0
        var scenario = generator.scenario()
        let solver = Solver(scenario: scenario, options: SolverOptions(seed: 1, iterations: 0))
        var warnings: [String] = []
        let (solution, _) = solver.engine.solve(warnings: &warnings)
        let plan = PlanBuilder(
            problem: solver.engine.problem, analysis: solver.engine.analysis, jobs: solver.engine.jobs, scenario: scenario
        )
        .plan(from: solution, warnings: warnings)
        let visits = Dictionary(uniqueKeysWithValues: plan.visits.map { ($0.order, $0) })
        // Every served order published where it is; one of them on another technician.
        let other = try #require(plan.visits.first { $0.group == nil })
        let elsewhere = try #require(scenario.technicians.first { $0.id != other.technician }).id
        for index in scenario.orders.indices {
            guard let visit = visits[scenario.orders[index].id] else { continue }
            let technician = visit.order == other.order ? elsewhere : visit.technician
            scenario.orders[index].published = Lock(technicianID: technician, start: visit.start)
        }
        let republished = PlanningProblem(scenario)
        var same = solution
        for route in same.routes.indices { same.routeCost[route] = republished.costs.route(same.routes[route], republished) }
        let terms = republished.costs.terms(of: same, republished)
        #expect(terms.stability == CostEvaluator.movedVisit)
        #expect(terms.total == same.objective)
        #expect(plan.visits.count > 10)
    }
}

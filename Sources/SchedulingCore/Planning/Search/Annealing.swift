import Foundation

/// Acceptance by simulated annealing: a better or equal candidate always, a worse one by `delta`
/// with probability exp(−delta / T). The temperature scales with the average leg of the first plan
/// (three legs' worth of travel early, three hundredths of a leg late) and cools geometrically
/// with the search's progress (0 to 1).
struct Annealing {
    let initial: Double
    let final: Double

    init(start: Solution, problem: PlanningProblem) {
        let legs = start.routes.reduce(0) { $0 + ($1.isEmpty ? 0 : $1.orderCount + 1) }
        let travel = start.routes.reduce(0) { $0 + $1.travelTotal } * problem.costs.travelUnit
        let leg = legs > 0 && travel > 0 ? Double(travel) / Double(legs) : Double(10 * CostEvaluator.travelMinute)
        initial = 3 * leg
        final = 0.03 * leg
    }

    func temperature(at progress: Double) -> Double {
        initial * pow(final / initial, progress)
    }

    /// Draws from the generator only for a worse candidate.
    func accepts(_ delta: Double, at progress: Double, generator: inout SeededGenerator) -> Bool {
        delta <= 0 || generator.unit() < exp(-delta / temperature(at: progress))
    }
}

import BenchmarkFormats
import Testing

@testable import SchedulingCore

/// The string ruin (`StringRemoval`): strings of consecutive visits from a few routes.
@Suite("String removal")
struct StringRemovalTests {
    /// Ruins a constructed Solomon-like plan `draws` times with `ruin`; for each ruined route, the
    /// removed visits' places in the route before the ruin. Checks that the removed jobs left
    /// their routes and nothing else did.
    func ruinedRuns(_ ruin: StringRemoval, draws: Int) throws -> (runs: [[Int]], averageRoute: Double) {
        let instance = try SolomonInstance(text: BenchmarkTests.solomonText(seed: 4, customers: 80, vehicles: 6))
        let engine = SearchEngine(problem: instance.problem(), options: SolverOptions(seed: 4, iterations: 0))
        var start = Solution(problem: engine.problem)
        engine.construct(engine.plannable, into: &start)
        var generator = SeededGenerator(seed: 9)
        var runs: [[Int]] = []
        for _ in 0..<draws {
            var solution = start
            let removed = try #require(ruin.ruin(&solution, free: engine.free, in: engine.space, generator: &generator))
            #expect(!removed.isEmpty)
            let orders = Set(removed.flatMap { engine.space.jobs[$0].members })
            #expect(
                solution.routes.reduce(0) { $0 + $1.orderCount } + orders.count == start.routes.reduce(0) { $0 + $1.orderCount })
            for (index, route) in start.routes.enumerated() {
                let places = route.elements.enumerated().filter { orders.contains($0.element.order) }.map(\.offset)
                if !places.isEmpty { runs.append(places) }
                #expect(solution.routes[index].elements.allSatisfy { !orders.contains($0.order) })
            }
        }
        let used = start.routes.filter { $0.orderCount > 0 }
        return (runs, Double(used.reduce(0) { $0 + $1.orderCount }) / Double(used.count))
    }

    @Test("Each ruined route loses one string of consecutive visits, no longer than ten or the average route")
    func consecutiveStrings() throws {
        let (runs, averageRoute) = try ruinedRuns(StringRemoval(), draws: 200)
        #expect(runs.count > 200, "several routes ruined a draw")
        let limit = Int(min(10, averageRoute))
        #expect(runs.allSatisfy { $0.last! - $0.first! + 1 == $0.count })
        // Strings of every length up to the limit occurred, none longer.
        #expect(limit > 3 && Set(runs.map(\.count)) == Set(1...limit), "limit \(limit)")
    }
}

/// Ruin a whole short route (when vehicles cost something): every free job of one of the three
/// shortest routes comes out, so the rest may absorb them.
struct ShortRouteRemoval: RuinOperator {
    func ruin(_ solution: inout Solution, free: [Int], in space: SearchSpace, generator: inout SeededGenerator) -> [Int]? {
        let shortest = solution.routes.indices.filter { solution.routes[$0].orderCount > 0 }
            .sorted { (solution.routes[$0].orderCount, $0) < (solution.routes[$1].orderCount, $1) }.prefix(3)
        guard !shortest.isEmpty else { return [] }
        let route = shortest[shortest.startIndex + generator.below(shortest.count)]
        let removed = space.jobs(on: route, in: solution).filter { !space.jobs[$0].locked }
        guard solution.remove(removed.flatMap { space.jobs[$0].members }, problem: space.problem) else { return nil }
        return removed
    }
}

import Foundation

/// How long and how the solver searches.
public struct SolverOptions: Sendable {
    public var seed: UInt64
    /// Stop after this many improvement iterations (the deterministic budget).
    public var iterations: Int?
    /// Stop after this much wall-clock time.
    public var seconds: Double?
    /// Stop after this many iterations without a better plan (unless an iteration budget is set,
    /// or `useAllTime` asks for the whole `seconds`).
    public var patience: Int
    /// Search for all of `seconds` even when the plan stopped improving.
    public var useAllTime: Bool
    /// Called about once a second during the search.
    public var progress: (@Sendable (SolverProgress) -> Void)?
    /// Searches run side by side after construction (each from the same start, with its own random
    /// stream), sharing the best plan found at each of `syncs` points. The plan depends on the
    /// seed, the iteration budget and `searches` — never on `threads`, which only says how many
    /// run at once.
    public var searches = 1
    public var threads = 1

    public init(
        seed: UInt64 = 1, iterations: Int? = nil, seconds: Double? = nil, patience: Int = 2_000,
        useAllTime: Bool = true, progress: (@Sendable (SolverProgress) -> Void)? = nil
    ) {
        self.seed = seed
        self.iterations = iterations
        self.seconds = seconds
        self.patience = patience
        self.useAllTime = useAllTime
        self.progress = progress
    }
}

/// Where the search stands.
public struct SolverProgress: Sendable {
    public let iteration: Int
    public let seconds: Double
    public let served: Int
    public let travelMinutes: Int
}

/// Plans a scenario's day (the planner's entry point): the search (`SearchEngine`) on the day's
/// problem, its solution made into the plan with its explanations.
public struct Solver: Sendable {
    let scenario: Scenario
    let engine: SearchEngine

    public init(scenario: Scenario, options: SolverOptions = SolverOptions()) {
        self.scenario = scenario
        engine = SearchEngine(problem: PlanningProblem(scenario), options: options)
    }

    /// Solves and returns the plan with its explanations.
    public func plan() -> Plan {
        var warnings: [String] = []
        let (solution, _) = engine.solveChecked(warnings: &warnings)
        return PlanBuilder(problem: engine.problem, analysis: engine.analysis, jobs: engine.jobs, scenario: scenario)
            .plan(from: solution, warnings: warnings)
    }
}

/// Solves a bare routing problem, one without a scenario (a public benchmark's instance), to
/// routes: the same search as `Solver`.
public struct RouteSolver: Sendable {
    let engine: SearchEngine

    public init(problem: PlanningProblem, options: SolverOptions = SolverOptions()) {
        engine = SearchEngine(problem: problem, options: options)
    }

    public func solve() -> RouteSolution {
        var warnings: [String] = []
        let (solution, iterations) = engine.solveChecked(warnings: &warnings)
        let used = solution.routes.filter { !$0.isEmpty }
        func orders(_ route: Route) -> [Int] { route.elements.filter { !$0.isBreak }.map(\.order) }
        func starts(_ route: Route) -> [Int] { route.elements.indices.filter { !route.elements[$0].isBreak }.map { route.start[$0] } }
        return RouteSolution(
            routes: used.map(orders), starts: used.map(starts),
            unassigned: solution.routeOf.indices.filter { solution.routeOf[$0] < 0 }, iterations: iterations)
    }
}

/// The routes of a solved routing problem: order indices in visiting order per technician
/// (empty routes left out), their start times, and the orders left unassigned.
public struct RouteSolution: Sendable {
    public let routes: [[Int]]
    public let starts: [[Int]]
    public let unassigned: [Int]
    public let iterations: Int
}

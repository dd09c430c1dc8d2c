import ArgumentParser
import BenchmarkFormats
import Foundation
import SchedulingCore

/// Public benchmark instances, solved by the same engine as `dispatch plan`.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve public benchmark instances with the planning engine (JSON on standard output).",
        discussion: """
            solomon: a Solomon (or Gehring–Homberger) VRPTW file; every customer served within its \
            window, capacity kept, at most the file's vehicles; least total distance (or fewest \
            vehicles first with --objective hierarchical).

            sync: a Bredström–Rönnqvist file; every visit served, each synchronised pair started at \
            the same time by two different staff; least total travel time.

            bench/solomon.sh and bench/sync.sh run whole sets, check every answer independently \
            and print tables beside the best open solvers.
            """,
        subcommands: [Solomon.self, Sync.self])

    struct Budget: ParsableArguments {
        @Option(help: "Search for this many seconds, reading included.")
        var seconds: Double = 10

        @Option(help: "Search iteration limit instead of time (deterministic for a seed).")
        var iterations: Int?

        @Option(help: "Random seed.")
        var seed: UInt64 = 1

        @OptionGroup var parallel: SearchThreads

        func validate() throws {
            if seconds <= 0 { throw ValidationError("--seconds must be positive") }
            if let iterations, iterations < 0 { throw ValidationError("--iterations must not be negative") }
        }

        var options: SolverOptions {
            parallel.applied(to: SolverOptions(seed: seed, iterations: iterations, seconds: seconds, useAllTime: true))
        }
    }

    enum BenchObjective: String, ExpressibleByArgument, CaseIterable {
        case distance, hierarchical
    }

    struct Solomon: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Solve a Solomon VRPTW instance.",
            discussion: """
                Prints {"instance", "vehicles", "distance", "seconds", "routes", "unassigned", \
                "iterations"}: routes list customer numbers in visiting order, depot omitted; \
                distance is recomputed in full precision from the routes.
                """)

        @Argument(help: ArgumentHelp("Instance file, e.g. R101.txt.", valueName: "file"))
        var file: String

        @OptionGroup var budget: Budget

        @Option(help: "distance (least total distance) or hierarchical (fewest vehicles, then distance).")
        var objective: BenchObjective = .distance

        func run() async throws {
            try await reporting {
                let started = Date()
                let instance = try parseInstance(file) { try SolomonInstance(text: $0) }
                // Hierarchical: a vehicle costs more than any distance it could save.
                let problem = instance.problem(vehicleCost: objective == .hierarchical ? 10_000 : 0)
                let solution = RouteSolver(problem: problem, options: budget.options).solve()
                let seconds = Date().timeIntervalSince(started)
                let routes = solution.routes.map { $0.map { $0 + 1 } }
                let distance = total(routes, instance.distance)
                printJSON([
                    "instance": instance.name.json, "vehicles": routes.count.json, "distance": rounded(distance).json,
                    "seconds": rounded(seconds).json, "routes": routes.json, "unassigned": solution.unassigned.map { $0 + 1 }.json,
                    "iterations": solution.iterations.json,
                ])
            }
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Solve a Bredström–Rönnqvist instance with synchronised visits.",
            discussion: """
                Prints {"instance", "vehicles", "travel", "seconds", "routes", "starts", "unassigned", \
                "iterations"}: routes list the file's visit ids in order per staff member, depot \
                omitted; starts the matching service starts.
                """)

        @Argument(help: ArgumentHelp("Instance file, e.g. Bred_01S.txt.", valueName: "file"))
        var file: String

        @OptionGroup var budget: Budget

        func run() async throws {
            try await reporting {
                let started = Date()
                let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                let instance = try parseInstance(file) { try SyncInstance(name: name, text: $0) }
                let solution = RouteSolver(problem: instance.problem(), options: budget.options).solve()
                let seconds = Date().timeIntervalSince(started)
                let routes = solution.routes.map { $0.map { $0 + 1 } }
                let travel = total(routes, instance.time)
                printJSON([
                    "instance": name.json, "vehicles": routes.count.json, "travel": travel.json, "seconds": rounded(seconds).json,
                    "routes": routes.json, "starts": solution.starts.json, "unassigned": solution.unassigned.map { $0 + 1 }.json,
                    "iterations": solution.iterations.json,
                ])
            }
        }
    }
}

/// Reads and parses a benchmark file (Latin-1 accepted: the sync files carry French comments);
/// a format problem is bad input naming the file and line.
private func parseInstance<T>(_ path: String, _ parse: (String) throws -> T) throws -> T {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BadInput(message: "cannot read \(path)")
    }
    let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) ?? ""
    do {
        return try parse(text)
    } catch let problem as BenchmarkFormatError {
        throw BadInput(message: "\(path):\(problem.line): \(problem.message)")
    }
}

/// Sum of `leg` over every route from the depot (0) through its stops and back.
private func total<Value: AdditiveArithmetic>(_ routes: [[Int]], _ leg: (Int, Int) -> Value) -> Value {
    var sum = Value.zero
    for route in routes {
        var at = 0
        for stop in route + [0] {
            sum += leg(at, stop)
            at = stop
        }
    }
    return sum
}

private func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }

private func printJSON(_ object: [String: JSONValue]) {
    print(JSONValue.object(object).text(escapingSlashes: true))
}

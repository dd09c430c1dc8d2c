import Foundation
import PlanCheck
import ScenarioFormat

@testable import SchedulingCore

enum PlanningFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var scenarioNames: [String] {
        let folder = packageRoot.appendingPathComponent("scenarios")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func path(_ name: String) -> String { packageRoot.appendingPathComponent("scenarios/\(name).yaml").path }

    static func load(_ name: String) throws -> Scenario { try ScenarioLoader.load(path: path(name)) }

    static func plan(_ scenario: Scenario, iterations: Int = 200, seed: UInt64 = 1) -> Plan {
        Solver(scenario: scenario, options: SolverOptions(seed: seed, iterations: iterations)).plan()
    }

    static func violations(_ plan: Plan, _ scenario: Scenario) -> [String] {
        PlanChecker(scenario: scenario).violations(of: plan)
    }
}

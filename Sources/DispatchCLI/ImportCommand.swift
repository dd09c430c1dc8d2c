import ArgumentParser
import DispatchStore
import ScenarioFormat

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a scenario file without storing or planning anything.",
        discussion: "Prints every problem as FILE:LINE:COLUMN: FIELD: MESSAGE and exits 2 if there is any.")

    @Argument(help: "Scenario file (YAML or JSON).")
    var file: String

    func run() async throws {
        try await reporting {
            let scenario = try ScenarioLoader.load(path: file)
            print("\(file): ok — \(scenario.name) on \(scenario.date) (\(scenario.timeZone)): "
                + [plural(scenario.orders.count, "order"), plural(scenario.technicians.count, "technician"), plural(scenario.crews.count, "crew")].joined(separator: ", "))
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store a scenario's crews, technicians and orders.",
        discussion: """
            The file is checked first; a file with any problem stores nothing (exit 2). Records are matched \
            by id: new ones are added, changed ones updated, and importing the same file again changes nothing. \
            Everything is written in one transaction.
            """)

    @Argument(help: "Scenario file (YAML or JSON).")
    var file: String

    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        try await reporting {
            let scenario = try ScenarioLoader.load(path: file)
            try await options.withStore { store, location in
                let summary = try await store.importScenario(scenario)
                let counts = [
                    plural(summary.crews.total, "crew"), plural(summary.technicians.total, "technician"),
                    plural(summary.customers.total, "customer"), plural(summary.orders.total, "order"),
                ].joined(separator: ", ")
                let changes = summary.changedRows == 0 ? "nothing changed" : "\(plural(summary.changedRows, "row")) added or updated"
                print("Imported \(scenario.name) (\(scenario.date)) into \(location): \(counts); \(changes)")
            }
        }
    }
}

func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}

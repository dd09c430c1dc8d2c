import ArgumentParser
import ScenarioFormat
import SchedulingCore

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a generated city day as a scenario file (JSON), for trials and benchmarks.",
        discussion: """
            Four territories, in-house and contractor technicians (one contractor's contract has lapsed), \
            repairs and installs, broadband + phone pairs, expired certificates, absences and pins. \
            The same --seed gives the same day.
            """)

    @Option(help: "Number of orders.")
    var orders = 300

    @Option(help: "Number of technicians.")
    var technicians = 40

    @Option(help: "Share of orders in coordinated broadband + phone pairs.")
    var pairs = 0.2

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    func validate() throws {
        guard orders > 0, technicians > 0 else { throw ValidationError("--orders and --technicians must be positive") }
        guard (0...1).contains(pairs) else { throw ValidationError("--pairs is a share between 0 and 1") }
    }

    func run() async throws {
        var generator = CityDayGenerator(orders: orders, technicians: technicians, seed: seed)
        generator.pairShare = pairs
        print(try ScenarioJSON.encode(generator.scenario()))
    }
}

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

            --territories N makes a regional operator instead: N pie-slice territories (sector-1 …), \
            every technician bound to the territory they live in, each contractor's staff inside the \
            territories its contract covers, so the day splits into independent regions (what \
            `dispatch nightly --workers` plans in parallel).
            """)

    @Option(help: "Number of orders.")
    var orders = 300

    @Option(help: "Number of technicians.")
    var technicians = 40

    @Option(help: "Share of orders in coordinated broadband + phone pairs.")
    var pairs = 0.2

    @Option(help: ArgumentHelp("A regional operator of this many territories (at least 2).", valueName: "N"))
    var territories: Int?

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (1...InputLimits.orders).contains(orders) else { throw ValidationError("--orders must be between 1 and \(InputLimits.orders)") }
        guard (1...InputLimits.technicians).contains(technicians) else {
            throw ValidationError("--technicians must be between 1 and \(InputLimits.technicians)")
        }
        guard (0...1).contains(pairs) else { throw ValidationError("--pairs is a share between 0 and 1") }
        if let territories, !(2...64).contains(territories) { throw ValidationError("--territories must be between 2 and 64") }
    }

    func run() async throws {
        var generator = CityDayGenerator(orders: orders, technicians: technicians, seed: seed)
        generator.pairShare = pairs
        generator.territoryCount = territories
        print(try ScenarioJSON.encode(generator.scenario()))
    }
}

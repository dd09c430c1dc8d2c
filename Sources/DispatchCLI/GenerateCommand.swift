import ArgumentParser
import DispatchOperations
import ScenarioFormat
import SchedulingCore

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a generated city day as a scenario file (JSON), for trials and benchmarks.",
        discussion: """
            Four territories, in-house and contractor technicians (one contractor's contract has lapsed), \
            repairs and installs, broadband + phone pairs, expired certificates, absences and pins. \
            The same --seed and --date give the same day. The day is tomorrow in --timezone unless \
            --date says otherwise; the file's `now` is 20:00 the evening before, so it plans as it \
            would the evening before.

            --territories N makes a regional operator instead: N pie-slice territories (sector-1 …), \
            every technician bound to the territory they live in, each contractor's staff inside the \
            territories its contract covers, so the day splits into independent regions (what \
            `dispatch nightly --workers` plans in parallel).

            --osm FILE puts every order and home on a junction of a real road network, an \
            OpenStreetMap extract (.osm.pbf, read with osmium-tool), for trials on real roads: \
            `dispatch roads import` the same file and set travel.model: pgrouting.

            Example:
              dispatch generate --orders 300 --technicians 40 --osm Helsinki.osm.pbf --timezone Europe/Helsinki > day.json
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

    @Option(help: ArgumentHelp("Place orders and homes on this OpenStreetMap extract's roads.", valueName: "file"))
    var osm: String?

    @Option(help: ArgumentHelp("The day's IANA time zone.", valueName: "zone"))
    var timezone = "Asia/Shanghai"

    @Option(help: ArgumentHelp("The service day (default: tomorrow in --timezone).", valueName: "YYYY-MM-DD"))
    var date: String?

    func validate() throws {
        guard (1...InputLimits.orders).contains(orders) else {
            throw ValidationError("--orders must be between 1 and \(InputLimits.orders)")
        }
        guard (1...InputLimits.technicians).contains(technicians) else {
            throw ValidationError("--technicians must be between 1 and \(InputLimits.technicians)")
        }
        guard (0...1).contains(pairs) else { throw ValidationError("--pairs is a share between 0 and 1") }
        if let territories, !(2...64).contains(territories) { throw ValidationError("--territories must be between 2 and 64") }
        if ServiceTimeZone(identifier: timezone) == nil {
            throw ValidationError("--timezone '\(timezone)' is not an IANA time zone such as Europe/Helsinki")
        }
        if let date, LocalDate(iso: date) == nil { throw ValidationError("--date '\(date)' is not a date of the form YYYY-MM-DD") }
    }

    func run() async throws {
        var generator = CityDayGenerator(orders: orders, technicians: technicians, seed: seed)
        generator.pairShare = pairs
        generator.territoryCount = territories
        generator.timeZone = timezone
        try await reporting {
            let zone = ServiceTimeZone(identifier: timezone)!
            let tomorrow = zone.local(try actingClock(nil).now()).date.adding(days: 1)
            generator.date = date.flatMap { LocalDate(iso: $0) } ?? tomorrow
            if let osm { generator.sites = try DispatchOperations.roadJunctions(file: osm) }
            print(try ScenarioJSON.encode(generator.scenario()))
        }
    }
}

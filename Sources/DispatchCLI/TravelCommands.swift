import ArgumentParser
import DispatchOperations
import Foundation
import ScenarioFormat
import SchedulingCore

struct Travel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look at travel times as the planner sees them.",
        subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The drive from one place to another: minutes, metres, where they come from, by time of day.",
            discussion: """
                Places are order ids and technician ids (a technician's home; `<id>/end` where their day ends, \
                when elsewhere). Times are the planner's: whole minutes, from the scenario's matrix or the \
                straight-line model, the day's traffic (travel.day_parts) applied by when the leg leaves. \
                Without --at, the base time and the time leaving at the start of each day part.

                Examples:
                  dispatch travel show WO-R2 WO-R3 --scenario scenarios/road-matrix.yaml
                  dispatch travel show T017 WO-14 --date 2026-11-23 --at 08:10
                """)

        @Argument(help: "Where the leg starts: an order or technician id.")
        var from: String

        @Argument(help: "Where it ends.")
        var to: String

        @Option(help: ArgumentHelp("A scenario file (YAML or JSON).", valueName: "file"))
        var scenario: String?

        @Option(help: ArgumentHelp("A stored service day instead, YYYY-MM-DD.", valueName: "date"))
        var date: String?

        @Option(help: ArgumentHelp("Leaving at this local time, HH:MM.", valueName: "time"))
        var at: String?

        @OptionGroup var options: OperationOptions

        func validate() throws {
            if (scenario == nil) == (date == nil) { throw ValidationError("give either --scenario FILE or --date YYYY-MM-DD") }
            if let at, LocalTime(hhmm: at) == nil { throw ValidationError("--at '\(at)' is not a time of the form HH:MM") }
        }

        func run() async throws {
            try await reporting {
                if let scenario {
                    print(try Self.describe(from: from, to: to, at: at.flatMap(LocalTime.init(hhmm:)), in: try ScenarioLoader.load(path: scenario)))
                    return
                }
                let day = try BadInput.serviceDay(date ?? "")
                try await options.withOperations { operations in
                    guard let (stored, _, _) = try await operations.planningDay(day) else { throw BadInput(message: "no service day \(day) is stored") }
                    print(try Self.describe(from: from, to: to, at: at.flatMap(LocalTime.init(hhmm:)), in: stored))
                }
            }
        }

        static func place(_ key: String, in scenario: Scenario) throws -> GeoPoint {
            if let order = scenario.orders.first(where: { $0.id == key }) { return order.location }
            if let technician = scenario.technicians.first(where: { $0.id == key }) { return technician.startLocation }
            if key.hasSuffix("/end"), let technician = scenario.technicians.first(where: { "\($0.id)/end" == key }) { return technician.endLocation }
            throw BadInput(message: "'\(key)' is no order or technician of \(scenario.name) on \(scenario.date)")
        }

        static func describe(from: String, to: String, at: LocalTime?, in scenario: Scenario) throws -> String {
            let (a, b) = (try place(from, in: scenario), try place(to, in: scenario))
            let travel = scenario.travel
            let leg = travel.legs?.leg(from: a, to: b)
            let source = leg != nil ? travel.legs!.source
                : travel.legs != nil ? "straight line (the matrix lacks this pair: fallback)"
                : "straight line × \(travel.roadFactor) at \(travel.speedKmh) km/h"
            let seconds = leg.map { " (\($0.seconds) s)" } ?? ""
            let km = String(format: "%.1f km", Double(travel.meters(from: a, to: b)) / 1000)
            var lines = ["\(from) → \(to): \(travel.minutes(from: a, to: b)) min\(seconds), \(km) — \(source)"]
            func leaving(_ time: LocalTime) -> String {
                let instant = scenario.timeZone.instant(on: scenario.date, at: time)
                let part = travel.dayParts.first { $0.start <= time && time < $0.end }
                let traffic = part.map { "day part \($0.start)–\($0.end) × \($0.factor)" } ?? "no day part"
                return "  leaving \(time): \(scenario.drive(from: a, to: b, leaving: instant)) min (\(traffic))"
            }
            if let at {
                lines.append(leaving(at))
            } else {
                lines += travel.dayParts.map { leaving($0.start) }
            }
            return lines.joined(separator: "\n")
        }
    }
}

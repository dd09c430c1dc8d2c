import ArgumentParser
import DispatchOperations
import Foundation
import ScenarioFormat
import SchedulingCore

struct Travel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build and look at travel times as the planner sees them.",
        subcommands: [Build.self, Show.self, Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a stored day's kept road matrix as a matrix file (CSV from,to,seconds,meters).",
            discussion: """
                The legs kept with the day (from its routing engine or its matrix file), by order and \
                technician id, in the format travel.model: matrix reads: a day built on pgRouting in \
                PostgreSQL can be planned from the file on SQLite, or compared with another engine.

                Example:
                  dispatch travel export --date 2026-11-23 > road.csv
                """)

        @Option(help: ArgumentHelp("The stored service day, YYYY-MM-DD.", valueName: "date"))
        var date: String

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                let day = try BadInput.serviceDay(date)
                try await options.withOperations { operations in
                    guard let stored = try await operations.storedDay(day) else {
                        throw BadInput(message: "no service day \(day) is stored")
                    }
                    guard let legs = stored.travel.legs else {
                        throw BadInput(message: "no road matrix is kept for \(day) (travel build first)")
                    }
                    // Key by key, without holding millions of rows (a 2,000-order day has 4.6 million legs).
                    let keys = legs.places.keys.sorted(by: naturallyBefore)
                    var out = "from,to,seconds,meters\n"
                    for a in keys {
                        for b in keys where legs.places[a] != legs.places[b] {
                            guard let leg = legs.leg(from: legs.places[a]!, to: legs.places[b]!) else { continue }
                            out += "\(a),\(b),\(leg.seconds),\(leg.meters.map(String.init) ?? "")\n"
                        }
                        if out.utf8.count > 1 << 20 {
                            FileHandle.standardOutput.write(Data(out.utf8))
                            out = ""
                        }
                    }
                    FileHandle.standardOutput.write(Data(out.utf8))
                }
            }
        }
    }

    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch a stored day's road matrix from its routing engine (OSRM, Valhalla, pgRouting) and keep it.",
            discussion: """
                The day's travel.model (from the imported file) names the engine. Legs kept from an earlier \
                build are not asked again: a first build asks for every pair of places, a later one only \
                for the rows and columns of orders booked or places moved since. Plans, slots, check, the \
                nightly job and the simulator read the kept matrix; `plan --date`, `book` and `import` build \
                what is missing themselves. Nothing is stored when the engine fails, or when it finds no \
                route for a pair and the day has no travel.fallback: haversine.

                Examples:
                  dispatch travel build --date 2026-11-23
                  dispatch travel show WO-14 WO-268 --date 2026-11-23
                """)

        @Option(help: ArgumentHelp("The stored service day, YYYY-MM-DD.", valueName: "date"))
        var date: String

        @Option(
            help: ArgumentHelp(
                "Seconds an OSRM or Valhalla request may take, to its last byte, 1–3600 (default: $DISPATCH_ROUTING_TIMEOUT, else 60).",
                valueName: "seconds"))
        var timeout: Double?

        @Option(
            help: ArgumentHelp(
                "Seconds the whole build may take, every request and retry, 1–86400 (default: $DISPATCH_ROUTING_DEADLINE, else 600).",
                valueName: "seconds"))
        var deadline: Double?

        @Option(
            help: ArgumentHelp(
                "MiB one answer may hold once decompressed, 1–4096 (default: $DISPATCH_ROUTING_MAX_MB, else 64).",
                valueName: "MiB"))
        var maxResponseMb: Int?

        @Flag(help: "Print the report as JSON.")
        var json = false

        @OptionGroup var options: OperationOptions

        func validate() throws {
            if let timeout, !RoutingLimits.requestRange.contains(timeout) {
                throw ValidationError("--timeout must be from 1 to 3600 seconds")
            }
            if let deadline, !RoutingLimits.deadlineRange.contains(deadline) {
                throw ValidationError("--deadline must be from 1 to 86400 seconds")
            }
            if let maxResponseMb, !RoutingLimits.maxResponseMBRange.contains(maxResponseMb) {
                throw ValidationError("--max-response-mb must be from 1 to 4096")
            }
        }

        func run() async throws {
            try await reporting {
                let day = try BadInput.serviceDay(date)
                try await options.withOperations { operations in
                    var operations = operations
                    if let timeout { operations.routing.requestSeconds = timeout }
                    if let deadline { operations.routing.deadlineSeconds = deadline }
                    if let maxResponseMb { operations.routing.maxResponseBytes = maxResponseMb << 20 }
                    guard let state = try await operations.travelState(on: day) else {
                        throw BadInput(message: "no service day \(day) is stored")
                    }
                    guard let service = state.service else {
                        throw BadInput(
                            message: "the travel of \(day) is not fetched from a routing engine: its travel.model is "
                                + "\(state.source == nil ? "haversine" : "matrix") (set osrm, valhalla or pgrouting and import the "
                                + "day again)"
                        )
                    }
                    let report = try await operations.buildTravel(
                        day, engine: operations.routingEngine(for: service),
                        progress: Self.progress())
                    print(json ? Self.json(report) : Self.text(report, day: day))
                }
            }
        }

        /// Progress on standard error, at most every tenth of the work, for builds of more than one request.
        static func progress() -> @Sendable (Int, Int) -> Void {
            let last = Progress()
            return { done, total in
                let tenth = done * 10 / max(total, 1)
                if last.advance(to: tenth), done < total {
                    FileHandle.standardError.write(Data("  \(done) of \(total) pairs of points asked\n".utf8))
                }
            }
        }

        final class Progress: @unchecked Sendable {
            // Guarded by `lock`.
            private let lock = NSLock()
            private var step = 0
            func advance(to next: Int) -> Bool {
                lock.withLock {
                    defer { step = max(step, next) }
                    return next > step
                }
            }
        }

        static func text(_ report: TravelBuildReport, day: LocalDate) -> String {
            var lines = ["travel of \(day) from \(report.source): \(report.places) places at \(report.points) points"]
            lines.append(
                "  \(report.fetchedPairs) pairs asked in \(report.requests) request\(report.requests == 1 ? "" : "s"), "
                    + "\(report.cachedPairs) kept from before, \(report.rowsWritten) rows written "
                    + "(\(String(format: "%.1f", report.seconds)) s)"
            )
            if report.movedPlaces > 0 { lines.append("  \(report.movedPlaces) places moved or left since the last build: asked again") }
            if report.unreachable > 0 {
                lines.append("  \(report.unreachable) pairs without a route: driven in a straight line (fallback: haversine)")
            }
            if report.skippedPlaces > 0 { lines.append("  \(report.skippedPlaces) places moved while building: build again to fetch them") }
            if let mean = report.snapMeanMetres, let most = report.snapMaxMetres {
                lines.append(String(format: "  places snapped to the road network: %.0f m on average, at most %.0f m", mean, most))
                for far in report.farSnaps.prefix(10) {
                    lines.append(
                        String(
                            format: "  warning: %@ is %.0f m from the nearest road junction (over %.0f m): check its coordinates",
                            far.key, far.metres, TravelBuildReport.farSnapMetres))
                }
                if report.farSnaps.count > 10 {
                    lines.append("  … and \(report.farSnaps.count - 10) more over \(Int(TravelBuildReport.farSnapMetres)) m")
                }
            }
            return lines.joined(separator: "\n")
        }

        static func json(_ report: TravelBuildReport) -> String {
            var object: [String: JSONValue] = [
                "source": report.source.json, "places": report.places.json, "points": report.points.json,
                "fetched_pairs": report.fetchedPairs.json, "cached_pairs": report.cachedPairs.json, "requests": report.requests.json,
                "moved_places": report.movedPlaces.json, "unreachable": report.unreachable.json, "rows_written": report.rowsWritten.json,
                "skipped_places": report.skippedPlaces.json, "seconds": ((report.seconds * 1000).rounded() / 1000).json,
            ]
            if let mean = report.snapMeanMetres, let most = report.snapMaxMetres {
                object["snap"] = [
                    "mean_m": mean.rounded().json, "max_m": most.rounded().json,
                    "far": .array(report.farSnaps.map { ["place": $0.key.json, "m": $0.metres.rounded().json] }),
                ]
            }
            return JSONValue.object(object).text(escapingSlashes: true)
        }
    }

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
                    print(
                        try Self.describe(
                            from: from, to: to, at: at.flatMap(LocalTime.init(hhmm:)), in: try await loadOnRoads(scenario)))
                    return
                }
                let day = try BadInput.serviceDay(date ?? "")
                try await options.withOperations { operations in
                    guard let (stored, _, _) = try await operations.planningDay(day) else {
                        throw BadInput(message: "no service day \(day) is stored")
                    }
                    print(try Self.describe(from: from, to: to, at: at.flatMap(LocalTime.init(hhmm:)), in: stored))
                }
            }
        }

        static func place(_ key: String, in scenario: Scenario) throws -> GeoPoint {
            if let order = scenario.orders.first(where: { $0.id == key }) { return order.location }
            if let technician = scenario.technicians.first(where: { $0.id == key }) { return technician.startLocation }
            if key.hasSuffix("/end"), let technician = scenario.technicians.first(where: { "\($0.id)/end" == key }) {
                return technician.endLocation
            }
            throw BadInput(message: "'\(key)' is no order or technician of \(scenario.name) on \(scenario.date)")
        }

        static func describe(from: String, to: String, at: LocalTime?, in scenario: Scenario) throws -> String {
            let (a, b) = (try place(from, in: scenario), try place(to, in: scenario))
            let travel = scenario.travel
            let leg = travel.legs?.leg(from: a, to: b)
            let source =
                leg != nil
                ? travel.legs!.source
                : travel.legs != nil
                    ? "straight line (the matrix lacks this pair: fallback)"
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

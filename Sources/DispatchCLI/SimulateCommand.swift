import ArgumentParser
import DispatchOperations
import DispatchStore
import DispatchStoreSQLite
import Foundation
import SchedulingCore

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate the published day through the real operation, and check every promise after every event.",
        discussion: """
            A discrete-event simulation, minute by minute, on a scratch copy of the day (the database \
            is only read): each technician leaves to arrive at their next visit's planned start, drives \
            the planned travel times a random factor, waits for the planned start, works the order's \
            duration times a random factor, and reports en_route, on_site, completed (or customer_absent) \
            through the application layer, as the API would; the notice sender runs every simulated \
            minute. Random events: a customer not at home (--absent-share of visits), a technician \
            falling ill (--sick-chance, between 09:00 and 15:00), urgent repairs arriving, cancellations \
            and a dispatcher's moves (Poisson, per hour). --events FILE scripts exact events instead \
            (docs/simulate.md). Travel and work factors are log-normal with median 1 and σ of their \
            logarithm --travel-spread and --duration-spread.

            After every event an independent check (its own code and the plan checker) verifies: the \
            published plan passes H1–H9 and its codes; no notified, en-route or on-site visit moved but \
            by a delay; at the end, every history is a chain of legal transitions, every pre-arrival \
            notice came at least the notice minutes before the start it announced and work began within \
            15 minutes of the start last announced, every company-side rebooking had a notice due before \
            its window, every completed visit a callback due within 3 days.

            With --runs N, each visit's on-time probability and each technician's risk (the share of \
            runs in which one of their arrivals was late). Exit 0 with no violation, 1 with any.
            """)

    @Option(help: ArgumentHelp("The service day, YYYY-MM-DD (its plan must be published).", valueName: "date"))
    var date: String

    @Option(help: "Random seed; run r uses seed + r.")
    var seed: UInt64 = 1

    @Option(help: "How many simulated days.")
    var runs = 1

    @Option(help: ArgumentHelp("Scripted events (a JSON array, docs/simulate.md) instead of random ones.", valueName: "file"))
    var events: String?

    @Option(help: "Share of visits whose customer is not at home.")
    var absentShare = 0.03

    @Option(help: "Chance that one technician falls ill during the day.")
    var sickChance = 0.5

    @Option(help: "Urgent repairs arriving per hour.")
    var urgentPerHour = 0.3

    @Option(help: "Cancellations per hour.")
    var cancellationsPerHour = 0.3

    @Option(help: "Dispatcher moves per hour.")
    var movesPerHour = 0.3

    @Option(help: "σ of the logarithm of the travel factor.")
    var travelSpread = 0.25

    @Option(help: "σ of the logarithm of the work factor.")
    var durationSpread = 0.2

    @Option(help: "table or json.")
    var format: OutputFormat = .table

    @Option(
        help: ArgumentHelp(
            "Keep each run's scratch database in this folder (run-1.sqlite, …) to look into a violation.",
            valueName: "folder"))
    var keep: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (1...1000).contains(runs) else { throw ValidationError("--runs must be between 1 and 1000") }
        for (name, value) in [("--absent-share", absentShare), ("--sick-chance", sickChance)] where !(0...1).contains(value) {
            throw ValidationError("\(name) is a share between 0 and 1")
        }
        for (name, value) in [
            ("--urgent-per-hour", urgentPerHour), ("--cancellations-per-hour", cancellationsPerHour),
            ("--moves-per-hour", movesPerHour), ("--travel-spread", travelSpread), ("--duration-spread", durationSpread),
        ]
        where !(0...100).contains(value) {
            throw ValidationError("\(name) must be between 0 and 100")
        }
    }

    func run() async throws {
        try await reporting {
            let day = try BadInput.serviceDay(date)
            var options = SimulationOptions()
            options.seed = seed
            options.runs = runs
            options.customerAbsentShare = absentShare
            options.sickChance = sickChance
            options.urgentPerHour = urgentPerHour
            options.cancellationsPerHour = cancellationsPerHour
            options.movesPerHour = movesPerHour
            options.travelSpread = travelSpread
            options.durationSpread = durationSpread
            if let events {
                let data: Data
                do { data = try Data(contentsOf: URL(fileURLWithPath: events)) } catch {
                    throw BadInput(message: "--events \(events): cannot read the file (\(error.localizedDescription))")
                }
                options.script = try Self.script(data, file: events)
            }
            let folder =
                keep.map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("dispatch-simulate-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { if keep == nil { try? FileManager.default.removeItem(at: folder) } }
            let counter = Counter()
            let showProgress = isatty(2) == 1 && runs > 1
            try await database.withOperations { operations, _ in
                let report = try await operations.simulate(
                    date: day,
                    scratch: {
                        SQLDispatchStore(
                            connection: try SQLiteConnection(path: folder.appendingPathComponent("run-\(counter.next()).sqlite").path))
                    },
                    options: options, progress: { line in if showProgress { Failure.printError("dispatch: \(line)") } })
                switch format {
                case .json: print(SimulationPresenter.json(report))
                case .table: print(SimulationPresenter.table(report))
                }
                if !report.violations.isEmpty { throw ExitCode(1) }
            }
        }
    }

    /// The scripted events, each checked: a known kind, a time with an offset.
    static func script(_ data: Data, file: String) throws -> [ScriptedEvent] {
        let events: [ScriptedEvent]
        do { events = try JSONDecoder().decode([ScriptedEvent].self, from: data) } catch {
            throw BadInput(message: "--events \(file): not a JSON array of events ({\"kind\", \"at\", …}): \(error)")
        }
        let kinds = ScriptedEvent.kinds
        for (index, event) in events.enumerated() {
            guard kinds.contains(event.kind) else {
                throw BadInput(
                    message: "--events \(file): event \(index): kind '\(event.kind)' is not one of \(kinds.joined(separator: ", "))")
            }
            guard parseRFC3339(event.at) != nil else {
                throw BadInput(message: "--events \(file): event \(index): at '\(event.at)' is not an RFC 3339 time with an offset")
            }
        }
        return events
    }
}

/// Numbers the scratch databases of the runs.
final class Counter: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}

enum SimulationPresenter {
    static func percentile(_ values: [Double], _ share: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * share).rounded(.up)))]
    }

    static func kpis(_ report: SimulationReport) -> JSONValue {
        var latencies: [String: JSONValue] = [:]
        for (kind, values) in report.latencies {
            latencies[kind] = [
                "p50_ms": ((percentile(values, 0.5) * 10).rounded() / 10).json,
                "p99_ms": ((percentile(values, 0.99) * 10).rounded() / 10).json,
            ]
        }
        let onTimeRate = report.arrivals == 0 ? 0 : (Double(report.onTime) / Double(report.arrivals) * 1000).rounded() / 1000
        return [
            "arrivals": report.arrivals.json, "on_time": report.onTime.json, "on_time_rate": onTimeRate.json,
            "completed": report.completed.json, "rebookings": report.rebookings.json, "latency": .object(latencies),
        ]
    }

    static func json(_ report: SimulationReport) -> String {
        var object: [String: JSONValue] = [
            "runs": report.runs.json, "events": report.events.json, "kpis": kpis(report), "refusals": report.refusals.json,
            "violations": .array(
                report.violations.map { violation -> JSONValue in
                    [
                        "run": violation.run.json, "at": violation.at.description.json, "rule": violation.rule.json,
                        "order": violation.order.json, "detail": violation.detail.json,
                    ]
                }),
        ]
        if report.runs > 1 {
            object["visits"] = .array(
                report.visitsSeen.keys.sorted().map { order -> JSONValue in
                    let probability = Double(report.visitsOnTime[order] ?? 0) / Double(max(1, report.visitsSeen[order] ?? 1))
                    return ["order": order.json, "on_time_probability": probability.json]
                })
            object["technicians"] = .array(
                report.techniciansLate.keys.sorted().map { technician -> JSONValue in
                    ["technician": technician.json, "risk": (Double(report.techniciansLate[technician] ?? 0) / Double(report.runs)).json]
                })
        }
        return JSONValue.object(object).text(pretty: true)
    }

    static func table(_ report: SimulationReport) -> String {
        var lines = [
            "\(report.runs) simulated day\(report.runs == 1 ? "" : "s"): \(report.violations.count) "
                + "violation\(report.violations.count == 1 ? "" : "s")"
        ]
        lines.append("events: " + report.events.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        let rate = report.arrivals == 0 ? 0 : Double(report.onTime) / Double(report.arrivals) * 100
        lines.append(
            String(format: "on time: %d of %d arrivals (%.1f%%); %d completed", report.onTime, report.arrivals, rate, report.completed))
        // Beside the arrivals: the planned visits, counting one never reached (its technician
        // fell ill, the day ran out, it was cancelled) as not on time, as the per-visit chances below do.
        let seen = report.visitsSeen.values.reduce(0, +)
        if seen > report.arrivals {
            let onTime = report.visitsOnTime.values.reduce(0, +)
            lines.append(
                String(
                    format: "planned visits on time: %d of %d (%.1f%%), %d not visited (cancelled, rebooked or not reached)", onTime, seen,
                    Double(onTime) / Double(seen) * 100,
                    seen - report.arrivals))
        }
        if !report.rebookings.isEmpty {
            lines.append(
                "rebookings: "
                    + report.rebookings.sorted { $0.value > $1.value }.prefix(6).map { "\($0.value) × \($0.key)" }.joined(separator: "; "))
        }
        let latency = report.latencies.sorted { $0.key < $1.key }.map { kind, values in
            String(format: "%@ p50 %.0f ms p99 %.0f ms", kind, percentile(values, 0.5), percentile(values, 0.99))
        }
        lines.append("reaction latency: " + latency.joined(separator: "; "))
        if report.runs > 1 {
            let risky = report.visitsSeen.keys.map {
                ($0, Double(report.visitsOnTime[$0] ?? 0) / Double(max(1, report.visitsSeen[$0] ?? 1)))
            }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(10)
            lines.append("least likely on time: " + risky.map { String(format: "%@ %.0f%%", $0.0, $0.1 * 100) }.joined(separator: ", "))
            let technicians = report.techniciansLate.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(10)
            lines.append(
                "technicians most often late: " + technicians.map { "\($0.key) \($0.value)/\(report.runs)" }.joined(separator: ", "))
        }
        for violation in report.violations.prefix(20) {
            lines.append("  run \(violation.run) \(violation.at) \(violation.rule) \(violation.order ?? "-"): \(violation.detail)")
        }
        return lines.map { wrapped($0) }.joined(separator: "\n")
    }
}

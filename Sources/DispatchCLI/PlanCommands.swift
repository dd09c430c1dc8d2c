import ArgumentParser
import DispatchOperations
import Foundation
import PlanCheck
import ScenarioFormat
import SchedulingCore

struct PlanDay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan a day: assign orders to technicians and order each technician's visits.",
        discussion: """
            Plan a scenario file (--scenario, no database) or a stored day (--date, from the database; \
            --commit stores the result as the day's next plan version, keeping earlier versions).

            Every hard rule of the contract is kept (windows, shifts and break, skills and certification, \
            territories, contractor contracts and quotas, coordinated visits, the pre-arrival notice, pins \
            and locks). What cannot be served is listed with a code and a reason.

            The search stops after --iterations, or after --seconds, or when it has not improved for a \
            while. With the same --seed and --iterations the plan is the same, byte for byte.
            """)

    @Option(help: ArgumentHelp("Scenario file to plan (YAML or JSON).", valueName: "file"))
    var scenario: String?

    @Option(help: ArgumentHelp("Stored service day to plan, YYYY-MM-DD.", valueName: "date"))
    var date: String?

    @Flag(help: "With --date: store the plan as the day's next version.")
    var commit = false

    @Option(
        help: ArgumentHelp(
            "With --date: when the plan is made, for the notice rule: an RFC 3339 time (default: $DISPATCH_NOW, else the clock).",
            valueName: "time"))
    var now: String?

    @Option(help: "Search for this many seconds, up to 3600, set-up included (default: until the plan stops improving, 60 s at most).")
    var seconds: Double?

    @Option(help: ArgumentHelp("With --commit: who publishes the plan, for the history (default: planner).", valueName: "name"))
    var actor: String?

    @Option(help: "Search iteration limit, 0–100000000 (deterministic for a seed; it wins over --seconds).")
    var iterations: Int?

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "json (the contract's plan) or table (for people).")
    var format: OutputFormat = .json

    @Flag(name: .long, inversion: .prefixedNo, help: "Report search progress on standard error (default: when it is a terminal).")
    var progress = isatty(2) == 1

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if (scenario == nil) == (date == nil) { throw ValidationError("give either --scenario FILE or --date YYYY-MM-DD") }
        if commit && date == nil { throw ValidationError("--commit stores a stored day's plan: use it with --date") }
        if now != nil && date == nil { throw ValidationError("--now goes with --date; a scenario file has its own 'now'") }
        if let actor { try OperationOptions.checkActor(actor, option: "--actor") }
        if let seconds, !(seconds > 0 && seconds <= 3600) { throw ValidationError("--seconds must be above 0 and at most 3600") }
        if let iterations, !(0...100_000_000).contains(iterations) {
            throw ValidationError("--iterations must be between 0 and 100000000")
        }
    }

    func run() async throws {
        try await reporting {
            if let scenario {
                let day = try await loadOnRoads(scenario)
                try output(solve(day), day)
                return
            }
            let day = try BadInput.serviceDay(date ?? "")
            let clock = try actingClock(now)
            let planningTime = clock.now()
            try await database.withStore { store, location in
                let operations = DispatchOperations(store: store, clock: clock, routing: try routingLimits())
                if let built = try await operations.ensureTravel(day, progress: Travel.Build.progress()) {
                    FileHandle.standardError.write(Data("travel of \(day): \(built.fetchedPairs) pairs asked of \(built.source)\n".utf8))
                }
                // A plan whose day changed while it was computed (a notice delivered, a status
                // reported) is computed again from the new day, up to three times.
                var attempt = 1
                while true {
                    guard let (planning, version, revision) = try await operations.planningDay(day) else {
                        throw BadInput(message: "no day \(day) in \(location): import a scenario for it first")
                    }
                    var stored = planning
                    stored.now = planningTime
                    let plan = solve(stored)
                    guard commit else {
                        try output(plan, stored)
                        return
                    }
                    // Published as of the time it was made for, so `check --date` reads the notice
                    // rule against the same moment.
                    let publishing = DispatchOperations(store: store, clock: FixedClock(stored.now))
                    let outcome: PublishOutcome
                    do {
                        outcome = try await publishing.commitPlan(
                            plan, basedOn: version, revision: revision, seed: seed,
                            actor: actor ?? "planner")
                    } catch let error as OperationError where error.category == .conflict && attempt < 3 {
                        Failure.printError("dispatch: \(error.message); planning again (attempt \(attempt + 1) of 3)")
                        attempt += 1
                        continue
                    }
                    try output(plan, stored)
                    var summary = "dispatch: stored as plan version \(outcome.version) of \(day) in \(location)"
                    if !outcome.scheduled.isEmpty { summary += "; \(plural(outcome.scheduled.count, "order")) scheduled" }
                    if !outcome.rebooked.isEmpty { summary += "; \(plural(outcome.rebooked.count, "order")) to rebooking" }
                    if outcome.noticesQueued > 0 { summary += "; \(plural(outcome.noticesQueued, "notice")) queued" }
                    Failure.printError(summary)
                    return
                }
            }
        }
    }

    func solve(_ day: Scenario) -> Plan {
        // Without a budget: stop when the plan has not improved for a while, after 60 s at most.
        let budgetGiven = seconds != nil || iterations != nil
        var options = SolverOptions(
            seed: seed, iterations: iterations, seconds: budgetGiven ? seconds : 60,
            useAllTime: budgetGiven)
        if progress {
            options.progress = { state in
                Failure.printError(
                    String(
                        format: "dispatch: %5.1f s  iteration %6d  served %d/%d  travel %d min",
                        state.seconds, state.iteration, state.served, day.orders.count, state.travelMinutes))
            }
        }
        let plan = Solver(scenario: day, options: options).plan()
        for warning in plan.warnings { Failure.printError("dispatch: warning: \(warning)") }
        return plan
    }

    func output(_ plan: Plan, _ day: Scenario) throws {
        switch format {
        case .json: print(try PlanJSON.encode(plan, zone: day.timeZone))
        case .table: print(PlanTable(plan: plan, scenario: day).render())
        }
    }
}

struct Plans: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Look at stored plan versions.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the stored plan versions of one day.")

        @Option(help: ArgumentHelp("Service day, YYYY-MM-DD.", valueName: "date"))
        var date: String

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            try await reporting {
                let day = try BadInput.serviceDay(date)
                try await options.withStore { store, _ in
                    let versions = try await store.plans(on: day)
                    if versions.isEmpty {
                        print("No plans stored for \(day).")
                        return
                    }
                    let zone = try await store.transaction { try $0.zone(of: day) } ?? .utc
                    let rows = versions.map {
                        [String($0.version), zone.rfc3339($0.createdAt), String($0.visits), String($0.unassigned)]
                    }
                    print(TextTable(header: ["VERSION", "CREATED (\(zone.identifier))", "VISITS", "UNASSIGNED"], rows: rows).render())
                }
            }
        }
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a plan against the hard rules H1–H9 and its unassigned codes.",
        discussion: """
            Check files (--scenario and --plan), or the published plan of a stored day (--date), against \
            the orders the planner works with. Exit 0 when valid, 1 with one line per violation, 2 when a \
            file or day cannot be read.
            """)

    @Option(help: ArgumentHelp("The scenario the plan is for.", valueName: "file"))
    var scenario: String?

    @Option(help: ArgumentHelp("The plan JSON to check.", valueName: "file"))
    var plan: String?

    @Option(help: ArgumentHelp("Check the published plan of this stored day instead, YYYY-MM-DD.", valueName: "date"))
    var date: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if date == nil && (scenario == nil || plan == nil) {
            throw ValidationError("give --scenario FILE --plan FILE, or --date YYYY-MM-DD")
        }
        if date != nil && (scenario != nil || plan != nil) {
            throw ValidationError("--date checks a stored day: leave out --scenario and --plan")
        }
    }

    func run() async throws {
        try await reporting {
            if let date {
                let day = try BadInput.serviceDay(date)
                try await database.withStore { store, location in
                    let operations = DispatchOperations(store: store, clock: SystemClock())
                    guard let (scenario, plan, version, earlier, finished) = try await operations.publishedForCheck(day) else {
                        throw BadInput(message: "no published plan of \(day) in \(location)")
                    }
                    try report(
                        PlanChecker(scenario: scenario, earlier: earlier, finished: finished).violations(of: plan), plan,
                        "plan version \(version) of \(day)")
                }
                return
            }
            let day = try await loadOnRoads(scenario ?? "")
            let file = self.plan ?? ""
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw BadInput(message: "cannot read plan \(file)")
            }
            let parsed = try PlanJSON.decode(data, file: file)
            try report(PlanChecker(scenario: day).violations(of: parsed), parsed, file)
        }
    }

    func report(_ violations: [String], _ plan: Plan, _ name: String) throws {
        if violations.isEmpty {
            print("\(name): valid — \(plan.visits.count) visits, \(plan.unassigned.count) unassigned")
        } else {
            for violation in violations { print(violation) }
            Failure.printError("dispatch: \(plural(violations.count, "violation")) in \(name)")
            throw ExitCode(1)
        }
    }
}

/// A scenario file as the planner and the checker see it: when its `travel.model` is a routing
/// engine (osrm, valhalla), its matrix is fetched first (bounded by the `DISPATCH_ROUTING_*`
/// limits), so a file is never planned or checked on straight lines without a word; pgrouting,
/// which needs a database, is refused with the way out.
func loadOnRoads(_ path: String) async throws -> Scenario {
    var day = try ScenarioLoader.load(path: path)
    if let service = day.travel.service {
        Failure.printError("dispatch: fetching the road matrix of \(path) from \(service)")
        day.travel.legs = try await DispatchOperations.fetchLegs(for: day, limits: try routingLimits())
    }
    return day
}

/// The plan as a person reads it: each technician's day, then what is left out.
struct PlanTable {
    let plan: Plan
    let scenario: Scenario

    func render() -> String {
        let zone = scenario.timeZone
        func clock(_ instant: Instant) -> String { zone.local(instant).time.description }
        let visits = Dictionary(grouping: plan.visits, by: \.technician)
        var lines: [String] = []
        for route in plan.routes {
            let breakText = route.breakStart.map { ", break \(clock($0))" } ?? ""
            lines.append(
                "\(route.technician): leaves \(clock(route.depart)), back \(clock(route.returnAt)), \(route.travelMinutes) min "
                    + "travel\(breakText)"
            )
            let rows = (visits[route.technician] ?? []).map { visit -> [String] in
                let order = scenario.orders.first { $0.id == visit.order }
                return [
                    "  \(clock(visit.start))–\(clock(visit.end))", visit.order, order?.type.rawValue ?? "",
                    order?.customer.name ?? order?.customer.id ?? "", visit.group.map { $0 + (visit.contact ? " (contact)" : "") } ?? "",
                ]
            }
            lines.append(TextTable(header: ["  TIME", "ORDER", "TYPE", "CUSTOMER", "GROUP"], rows: rows).render())
            lines.append("")
        }
        if !plan.unassigned.isEmpty {
            lines.append("Unassigned:")
            for item in plan.unassigned { lines.append(wrapped("  \(item.order)  \(item.code.rawValue): \(item.reason)")) }
            lines.append("")
        }
        let k = plan.kpis
        lines.append("\(k.figures(currency: scenario.policy.currency)), \(plural(k.lateRepairs, "repair")) past deadline")
        return lines.joined(separator: "\n")
    }
}

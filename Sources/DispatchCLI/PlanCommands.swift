import ArgumentParser
import DispatchOperations
import DispatchStore
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
            "Write the plan to this file instead of standard output; with --date it is a proposal that "
                + "`dispatch plans publish FILE` publishes later (rebased onto the day as it is then).",
            valueName: "file"))
    var out: String?

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

    @OptionGroup var parallel: SearchThreads

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
        if commit && out != nil {
            throw ValidationError("--out writes a proposal to review and publish later with `dispatch plans publish`; leave out --commit")
        }
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
                try output(solve(day), day, basis: nil)
                return
            }
            let day = try BadInput.serviceDay(date ?? "")
            let clock = try actingClock(now)
            let planningTime = clock.now()
            try await database.withOperations(clock: clock, routing: try routingLimits()) { operations, location in
                if let built = try await operations.ensureTravel(day, progress: Travel.Build.progress()) {
                    FileHandle.standardError.write(Data("travel of \(day): \(built.fetchedPairs) pairs asked of \(built.source)\n".utf8))
                }
                // Computed from a snapshot of the day, outside any lock.
                let command = self
                guard let (proposal, stored) = try await operations.propose(day, now: planningTime, seed: seed, solve: command.solve)
                else {
                    throw BadInput(message: "no day \(day) in \(location): import a scenario for it first")
                }
                guard commit else {
                    try output(
                        proposal.plan, stored,
                        basis: PlanBasis(version: proposal.basedOn, revision: proposal.revision, seed: proposal.seed))
                    if let out {
                        Failure.printError(
                            "dispatch: proposal for \(day) written to \(out) (from version \(proposal.basedOn ?? 0)); "
                                + "publish it with: dispatch plans publish \(out)")
                    }
                    return
                }
                // Published as of the time it was made for, so `check --date` reads the notice
                // rule against the same moment; rebased when the day moved on meanwhile.
                let publishing = operations.acting(at: FixedClock(planningTime))
                let published = try await publishing.publish(proposal, actor: actor ?? "planner")
                try output(published.plan, stored, basis: nil)
                Failure.printError(publicationSummary(published, day: day, location: location))
            }
        }
    }

    func solve(_ day: Scenario) -> Plan {
        // Without a budget: stop when the plan has not improved for a while, after 60 s at most.
        let budgetGiven = seconds != nil || iterations != nil
        var options = parallel.applied(
            to: SolverOptions(seed: seed, iterations: iterations, seconds: budgetGiven ? seconds : 60, useAllTime: budgetGiven))
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

    /// Prints the plan, or writes it to `--out` (whole or not at all).
    func output(_ plan: Plan, _ day: Scenario, basis: PlanBasis?) throws {
        let text: String
        switch format {
        case .json: text = try PlanJSON.encode(plan, zone: day.timeZone, basis: out == nil ? nil : basis)
        case .table: text = PlanTable(plan: plan, scenario: day).render()
        }
        guard let out else {
            print(text)
            return
        }
        do {
            try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw BadInput(message: "cannot write \(out): \(error.localizedDescription)")
        }
    }
}

/// The line `plan --commit` and `plans publish` print on standard error: the version, what it
/// did to orders and notices, and the rebase when the day had moved on.
func publicationSummary(_ published: PlanPublication, day: LocalDate, location: DatabaseLocation) -> String {
    let outcome = published.outcome
    var summary = "dispatch: stored as plan version \(outcome.version) of \(day) in \(location)"
    if !outcome.scheduled.isEmpty { summary += "; \(plural(outcome.scheduled.count, "order")) scheduled" }
    if !outcome.rebooked.isEmpty { summary += "; \(plural(outcome.rebooked.count, "order")) to rebooking" }
    if !outcome.unassigned.isEmpty { summary += "; \(plural(outcome.unassigned.count, "order")) back to new" }
    if outcome.noticesQueued > 0 { summary += "; \(plural(outcome.noticesQueued, "notice")) queued" }
    if let rebase = published.rebase {
        var line = "dispatch: rebased in \(rebase.milliseconds) ms: \(rebase.why); \(plural(rebase.kept, "visit")) kept as computed"
        if !rebase.replaced.isEmpty { line += ", placed again: \(rebase.replaced.joined(separator: ", "))" }
        if !rebase.unassigned.isEmpty { line += ", unassigned: \(rebase.unassigned.joined(separator: ", "))" }
        summary = wrapped(line) + "\n" + summary
    }
    return summary
}

struct Plans: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look at stored plan versions, compare two, publish a proposal.",
        subcommands: [List.self, Diff.self, Publish.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the stored plan versions of one day, with their figures and who published each.",
            discussion: """
                CREATED is local to the day's time zone; UNASSIGNED counts the orders the version leaves \
                unassigned; TRAVEL is minutes of driving; LATE counts repairs past their deadline.
                """)

        @Option(help: ArgumentHelp("Service day, YYYY-MM-DD.", valueName: "date"))
        var date: String

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            try await reporting {
                let day = try BadInput.serviceDay(date)
                try await options.withOperations { operations, location in
                    guard let (zone, currency, versions) = try await operations.planVersions(on: day) else {
                        throw BadInput(message: "no day \(day) in \(location)")
                    }
                    if versions.isEmpty {
                        print("No plans stored for \(day).")
                        return
                    }
                    let rows = versions.map { version -> [String] in
                        let k = version.kpis
                        let created = zone.local(version.createdAt)
                        return [
                            String(version.version), "\(created.date) \(created.time)", version.publishedBy ?? "-", String(k.assigned),
                            String(k.orders - k.assigned), String(k.travelMinutes), String(k.lateRepairs),
                            amount(k.outsourcedCost, currency), version.cause ?? "-",
                        ]
                    }
                    print(
                        TextTable(
                            header: ["VERSION", "CREATED", "BY", "VISITS", "UNASSIGNED", "TRAVEL", "LATE", "OUTSOURCED", "CAUSE"],
                            rows: rows
                        ).render())
                }
            }
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what changed from one plan version of a day to another.",
            discussion: """
                One line per visit added, removed, or moved (another technician or start), then each \
                version's figures. Versions are numbered as `dispatch plans list` shows them.
                """)

        @Option(help: ArgumentHelp("Service day, YYYY-MM-DD.", valueName: "date"))
        var date: String

        @Argument(help: "The earlier version.")
        var from: Int

        @Argument(help: "The later version.")
        var to: Int

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            try await reporting {
                let day = try BadInput.serviceDay(date)
                try await options.withOperations { operations, _ in
                    let diff = try await operations.planDiff(on: day, from: from, to: to)
                    let zone = diff.zone
                    func at(_ visit: PlannedVisit) -> String { "\(visit.technician) \(zone.local(visit.start).time)" }
                    var rows: [[String]] = diff.added.map { ["added", $0.order, "-", at($0)] }
                    rows += diff.removed.map { ["removed", $0.order, at($0), "-"] }
                    rows += diff.moved.map { ["moved", $0.to.order, at($0.from), at($0.to)] }
                    if rows.isEmpty {
                        print("Versions \(from) and \(to) of \(day) have the same visits.")
                    } else {
                        print(TextTable(header: ["CHANGE", "ORDER", "VERSION \(from)", "VERSION \(to)"], rows: rows).render())
                    }
                    print(
                        "\(plural(diff.added.count, "visit")) added, \(diff.removed.count) removed, \(diff.moved.count) moved, "
                            + "\(diff.unchanged) unchanged")
                    for version in [diff.from, diff.to] {
                        print("version \(version.version): \(version.kpis.figures(currency: diff.currency)) (\(version.cause ?? "saved"))")
                    }
                }
            }
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a plan file as its day's next version, rebased onto the day as it is now.",
            discussion: """
                The file is a proposal written by `dispatch plan --date D --out FILE` (it says which \
                version and revision of the day it was computed from), or any plan JSON of a stored day. \
                What changed since is taken into account, not overwritten: visits announced, under way \
                or done stand where they are; orders changed meanwhile keep their newest visit; every \
                other visit of the file that still keeps every hard rule is published as it is; what \
                no longer fits is placed again. Exit 3 only when even that cannot hold a promise.
                """)

        @Argument(help: ArgumentHelp("The plan file.", valueName: "file"))
        var file: String

        @OptionGroup var operation: OperationOptions

        func run() async throws {
            try await reporting {
                let data: Data
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: file))
                } catch {
                    throw BadInput(message: "cannot read plan \(file)")
                }
                let plan = try PlanJSON.decode(data, file: file)
                let basis = try PlanBasis.of(data, file: file)
                if basis == nil {
                    Failure.printError("dispatch: \(file) says nothing of what it was computed from: it is fitted to the day as it is")
                }
                var proposal = Proposal(
                    plan: plan, basedOn: basis?.version.flatMap { $0 > 0 ? $0 : nil }, revision: basis?.revision,
                    seed: basis?.seed ?? 0)
                proposal.verify = true
                let proposed = proposal
                let who = operation.who
                try await operation.database.withOperations(clock: try operation.clock()) { operations, location in
                    let published = try await operations.publish(proposed, actor: who)
                    Failure.printError(publicationSummary(published, day: plan.date, location: location))
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
                try await database.withOperations { operations, location in
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

/// The plan as a person reads it: each technician's day, then what is unassigned.
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

import ArgumentParser
import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

struct Nightly: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-plan the coming days (for cron or a systemd timer), keeping every promise.",
        discussion: """
            Exit codes, for cron: 0 done (published, unchanged, or a dry run); 1 failed (the published \
            plans are as they were); 2 bad input; 3 a dispatcher kept publishing the same day meanwhile; \
            4 another run is under way (this one did nothing); 5 stopped by SIGTERM or SIGINT between days \
            (days finished before are published, none half-done).
            """,
        subcommands: [Run.self, Worker.self, Runs.self], defaultSubcommand: Run.self)

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Re-plan the coming days and publish a new plan version for each day that changed.",
            discussion: """
                Promises are kept: published visits stay with their technician at their start while they \
                still fit (notified ones always, booked ones inside their windows); visits of a technician \
                recorded absent go to others inside their windows or to rebooking, with a notice due before \
                the window; orders not planned yet go where they cost least, promised and high-priority \
                work first. With --days N, work without a promise that fits nowhere on a day moves on to \
                the next, earliest deadline and highest priority first; what fits on none is reported. A \
                day with nothing new publishes nothing: running twice changes nothing the second time. \
                Each day is published in one transaction after its planning, so a killed run leaves every \
                published plan intact. Every run is recorded ('dispatch nightly runs').

                Scale-out: with --workers N the day is split into independent units (territory groups \
                that no technician or contractor quota links) queued in the database; N worker processes \
                on this machine claim them (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL) under a lease \
                they renew, and this process merges and publishes each day. With --workers 0 it waits for \
                'dispatch nightly worker' processes started on other machines against the same \
                PostgreSQL. A worker that dies loses its lease (--lease-seconds) and another one plans its \
                unit again. Search time (--seconds) is shared among a day's units by their size.

                Housekeeping: after a run that publishes (not --dry-run), the event feed keeps \
                --keep-events-days days of events (7 by default; expired idempotency keys and slot offers \
                go too), so no other cron line is needed for it ('dispatch events prune' does it alone).

                Which days: --date D plans D and the --days − 1 after it. Without --date, a run before \
                the first shift of today (the earliest shift start of today's technicians) plans today \
                first, the day about to start; a run after it starts with tomorrow (today is then re-planned \
                by the running day's own operations, not by the nightly job).

                cron:   15 1 * * *  cd /srv/dispatch && dispatch nightly --days 3 >> nightly.log 2>&1
                """)

        @Option(
            help: ArgumentHelp(
                "First day to plan, YYYY-MM-DD (default: today while today's first shift has not begun, so the 01:15 run covers the "
                    + "day about to start; else tomorrow, where the operator works).",
                valueName: "date"))
        var date: String?

        @Option(help: "How many days to plan, from the first.")
        var days = 1

        @Option(help: "Search time in seconds (up to 3600) for a day with no published plan yet, or one whose input changed since.")
        var seconds: Double = 10

        @Flag(help: "Plan and report, publish nothing.")
        var dryRun = false

        @Option(
            help: ArgumentHelp(
                "Plan through the unit queue with this many worker processes here (0: only workers started elsewhere).",
                valueName: "N"))
        var workers: Int?

        @Option(
            help: ArgumentHelp(
                "Lease of the workers started here: a unit whose worker died is taken over after it.",
                valueName: "seconds"))
        var leaseSeconds = 30

        @Option(
            help: ArgumentHelp(
                "With --workers: fail (exit 6) when a day's units are not planned within this time.",
                valueName: "seconds"))
        var deadlineSeconds: Double = 3600

        @Option(
            help: ArgumentHelp(
                "After the run, prune the event feed's events older than this many days (as 'dispatch events prune'; 0: keep all).",
                valueName: "days"))
        var keepEventsDays = 7

        @OptionGroup var options: OperationOptions

        @OptionGroup var parallel: SearchThreads

        func validate() throws {
            guard (0...3650).contains(keepEventsDays) else { throw ValidationError("--keep-events-days must be between 0 and 3650") }
            if let workers, !(0...64).contains(workers) { throw ValidationError("--workers must be between 0 and 64") }
            guard deadlineSeconds > 0, deadlineSeconds <= 86_400 else {
                throw ValidationError("--deadline-seconds must be above 0 and at most 86400")
            }
            guard (1...3600).contains(leaseSeconds) else { throw ValidationError("--lease-seconds must be between 1 and 3600") }
            guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be above 0 and at most 3600") }
        }

        func run() async throws {
            try await reporting {
                let first = try date.map(BadInput.serviceDay)
                let stopped = StopFlag()
                let sources = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
                    signal(number, SIG_IGN)
                    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                    source.setEventHandler { stopped.raise() }
                    source.resume()
                    return source
                }
                defer { for source in sources { source.cancel() } }
                let local = WorkerProcesses(leaseSeconds: leaseSeconds, database: options.database.database)
                defer { local.stop() }
                try await options.withOperations { operations in
                    var nightly = NightlyOptions(firstDay: first, days: days, seconds: seconds, dryRun: dryRun, distributed: workers != nil)
                    nightly.deadlineSeconds = deadlineSeconds
                    nightly.threads = parallel.threadCount
                    nightly.searches = parallel.searchCount(iterations: nightly.iterations)
                    nightly.keepEventsDays = keepEventsDays > 0 ? keepEventsDays : nil
                    if let workers, workers > 0 { nightly.workersAlive = { local.anyRunning } }
                    // Workers start only once this run holds the run lock: a run refused as busy starts none.
                    let report = try await operations.nightly(
                        nightly, actor: options.actor ?? "nightly", stop: { stopped.isRaised },
                        whenLocked: { try local.start(count: workers ?? 0) },
                        progress: { line in Failure.printError("nightly: \(line)") })
                    print(NightlySummary.render(report))
                    if report.outcome == .interrupted {
                        Failure.printError("dispatch: stopped by a signal; days not reached were left as published")
                        throw ExitCode(5)
                    }
                }
            }
        }
    }

    struct Worker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan units of nightly runs from the queue in the database, until none is left.",
            discussion: """
                Start one or more on any machine that reaches the database; 'dispatch nightly --workers 0' \
                (or --workers N, which starts N of these itself) queues each day's units and publishes what \
                they planned. A worker claims one unit at a time under a lease it renews while it plans; if \
                it dies, another worker takes the unit over when the lease has run out. It exits when it has \
                been idle for --idle-seconds.

                  dispatch nightly worker --database "host=db.internal dbname=dispatch" --idle-seconds 600
                """)

        @Option(help: ArgumentHelp("How long a claimed unit stays this worker's without a renewal.", valueName: "seconds"))
        var leaseSeconds = 30

        @Option(help: ArgumentHelp("Exit after this long without a unit to plan.", valueName: "seconds"))
        var idleSeconds: Double = 60

        @Option(
            help: ArgumentHelp(
                "Exit when this process is gone (set by 'dispatch nightly --workers N').", valueName: "pid",
                visibility: .hidden))
        var parent: Int32?

        @OptionGroup var options: OperationOptions

        @OptionGroup var parallel: SearchThreads

        func validate() throws {
            guard (1...3600).contains(leaseSeconds) else { throw ValidationError("--lease-seconds must be between 1 and 3600") }
            guard idleSeconds >= 0, idleSeconds <= 86_400 else { throw ValidationError("--idle-seconds must be between 0 and 86400") }
        }

        func run() async throws {
            try await reporting {
                // Started by a run that ignores SIGTERM (it handles it itself): stop on it again.
                signal(SIGTERM, SIG_DFL)
                signal(SIGINT, SIG_DFL)
                let name = "\(ProcessInfo.processInfo.hostName):\(getpid())"
                try await options.withOperations { operations in
                    var planned = 0
                    var idleSince = Date()
                    while true {
                        if try await operations.nightlyWork(worker: name, leaseSeconds: leaseSeconds, threads: parallel.threadCount) {
                            planned += 1
                            idleSince = Date()
                            continue
                        }
                        if let parent, getppid() != parent { break }  // the run that started it is gone
                        if parent == nil && Date().timeIntervalSince(idleSince) > idleSeconds { break }
                        try await Task.sleep(nanoseconds: 200_000_000)
                    }
                    Failure.printError("nightly worker \(name): planned \(planned) units")
                }
            }
        }
    }

    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the recorded nightly runs, newest first.")

        @Option(help: "How many runs.")
        var limit = 20

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let runs = try await operations.nightlyRuns(limit: limit)
                    guard !runs.isEmpty else {
                        print("No nightly runs recorded.")
                        return
                    }
                    let utc = ServiceTimeZone.utc
                    let rows = runs.map { run -> [String] in
                        let seconds = run.finishedAt.map { String(run.startedAt.secondsDistance(to: $0)) } ?? "-"
                        let published = run.diffs.compactMap(\.version).count
                        let changed = run.diffs.reduce(0) { $0 + $1.changed }
                        return [
                            String(run.id), utc.rfc3339(run.startedAt), seconds, "\(run.firstDay) +\(run.days - 1)",
                            run.outcome.rawValue + (run.dryRun ? " (dry run)" : ""), String(published), String(changed), run.message ?? "",
                        ]
                    }
                    print(
                        TextTable(
                            header: ["RUN", "STARTED (UTC)", "SECONDS", "DAYS", "OUTCOME", "PUBLISHED", "CHANGED", "NOTE"],
                            rows: rows
                        ).render())
                }
            }
        }
    }
}

/// Set by a signal handler, read between days.
final class StopFlag: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var raised = false
    func raise() { lock.withLock { raised = true } }
    var isRaised: Bool { lock.withLock { raised } }
}

enum NightlySummary {
    static func render(_ report: NightlyReport) -> String {
        var lines = ["Nightly run \(report.run) from \(report.firstDay): \(report.outcome)"]
        for diff in report.diffs {
            let version = diff.version.map { "version \($0) published" } ?? "nothing published"
            lines.append(
                "  \(diff.day): \(version); kept \(diff.kept.count), moved \(diff.moved.count), reassigned "
                    + "\(diff.reassigned.count), newly planned \(diff.newlyPlanned.count), to rebooking \(diff.toRebooking.count), "
                    + "unassigned \(diff.unassigned.count)")
        }
        if !report.unassigned.isEmpty {
            lines.append(
                "  unassigned on every one of these days: \(report.unassigned.prefix(20).joined(separator: ", "))"
                    + (report.unassigned.count > 20 ? " and \(report.unassigned.count - 20) more" : ""))
        }
        if report.eventsPruned > 0 { lines.append("  events pruned from the feed: \(report.eventsPruned)") }
        return lines.joined(separator: "\n")
    }
}

extension Instant {
    func secondsDistance(to later: Instant) -> Int { later.secondsSinceEpoch - secondsSinceEpoch }
}

/// The worker processes `dispatch nightly --workers N` starts beside itself: the same binary,
/// the same database, told to exit when this process is gone; stopped when the run ends.
///
/// The database location reaches them through the environment (DISPATCH_DATABASE), never on
/// their command line, where every local user could read a password in it.
final class WorkerProcesses: @unchecked Sendable {
    // Invariant behind @unchecked Sendable: `processes` is touched only under `lock`.
    private let lock = NSLock()
    private var processes: [Process] = []
    private let leaseSeconds: Int
    private let database: String?

    init(leaseSeconds: Int, database: String?) {
        self.leaseSeconds = leaseSeconds
        self.database = database
    }

    func start(count: Int) throws {
        guard count > 0 else { return }
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var environment = ProcessInfo.processInfo.environment
        if let database { environment[DatabaseLocation.environmentVariable] = database }
        for _ in 0..<count {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["nightly", "worker", "--parent", String(getpid()), "--lease-seconds", String(leaseSeconds)]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            do { try process.run() } catch {
                stop()
                throw BadInput(message: "cannot start a worker process (\(binary.path)): \(error.localizedDescription)")
            }
            lock.withLock { processes.append(process) }
        }
    }

    /// Whether at least one of the workers is still running.
    var anyRunning: Bool { lock.withLock { processes.contains { $0.isRunning } } }

    func stop() {
        let all = lock.withLock { () -> [Process] in
            defer { processes = [] }
            return processes
        }
        for process in all where process.isRunning { process.terminate() }
        // A worker still starting up may not listen to SIGTERM yet (it inherits this run's
        // ignored SIGTERM until it sets its own): after two seconds it is killed.
        let deadline = Date().addingTimeInterval(2)
        while all.contains(where: \.isRunning) && Date() < deadline { usleep(20_000) }
        for process in all where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in all { process.waitUntilExit() }
    }
}

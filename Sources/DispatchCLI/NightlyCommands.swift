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
        subcommands: [Run.self, Runs.self], defaultSubcommand: Run.self)

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

                cron:   15 1 * * *  cd /srv/dispatch && dispatch nightly --days 3 >> nightly.log 2>&1
                """)

        @Option(help: ArgumentHelp("First day to plan, YYYY-MM-DD (default: tomorrow where the operator works).", valueName: "date"))
        var date: String?

        @Option(help: "How many days to plan, from the first.")
        var days = 1

        @Option(help: "Search time in seconds for a day that has no published plan yet.")
        var seconds: Double = 10

        @Flag(help: "Plan and report, publish nothing.")
        var dryRun = false

        @OptionGroup var options: OperationOptions

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
                defer { sources.forEach { $0.cancel() } }
                try await options.withOperations { operations in
                    let report = try await operations.nightly(
                        NightlyOptions(firstDay: first, days: days, seconds: seconds, dryRun: dryRun),
                        actor: options.actor ?? "nightly", stop: { stopped.isRaised })
                    print(NightlySummary.render(report))
                    if report.outcome == "interrupted" {
                        Failure.printError("dispatch: stopped by a signal; days not reached were left as published")
                        throw ExitCode(5)
                    }
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
                        return [String(run.id), utc.rfc3339(run.startedAt), seconds, "\(run.firstDay) +\(run.days - 1)",
                                run.outcome + (run.dryRun ? " (dry run)" : ""), String(published), String(changed), run.message ?? ""]
                    }
                    print(TextTable(header: ["RUN", "STARTED (UTC)", "SECONDS", "DAYS", "OUTCOME", "PUBLISHED", "CHANGED", "NOTE"],
                                    rows: rows).render())
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
            lines.append("  \(diff.day): \(version); kept \(diff.kept.count), moved \(diff.moved.count), reassigned "
                + "\(diff.reassigned.count), newly planned \(diff.newlyPlanned.count), to rebooking \(diff.toRebooking.count), "
                + "fit nowhere \(diff.unplaced.count)")
        }
        if !report.backlog.isEmpty {
            lines.append("  backlog that fits on none of these days: \(report.backlog.prefix(20).joined(separator: ", "))"
                + (report.backlog.count > 20 ? " and \(report.backlog.count - 20) more" : ""))
        }
        return lines.joined(separator: "\n")
    }
}

extension Instant {
    func secondsDistance(to later: Instant) -> Int { later.secondsSinceEpoch - secondsSinceEpoch }
}

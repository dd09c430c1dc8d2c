import ArgumentParser
import Foundation

@main
struct Dispatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Plan and run the day of telecom installation and repair crews.",
        discussion: """
            Orders, technicians and contractor crews are read from scenario files (YAML or JSON: \
            docs/formats.md) and kept in a database: an embedded SQLite file by default, or PostgreSQL. \
            docs/runbook.md takes you from an empty machine to a technician's phone; docs/commands.md \
            has every command.

            A first session (a generated day: tomorrow, unless --date says otherwise):
              dispatch db migrate
              dispatch generate --orders 60 --technicians 8 > day.json
              dispatch import day.json                      prints the day it stored
              dispatch plan --date DAY --commit --format table

            The running day:
              dispatch slots --order WO-1003 --days 3       windows the plans can keep
              dispatch book WO-1003 --window START           a START that slots printed
              dispatch notices send --sink file:notices.jsonl
              dispatch status WO-1001 --set en_route
              dispatch orders history WO-1001

            Time: every command acts at --now when given, else at $DISPATCH_NOW when set, else at \
            the clock. Set DISPATCH_NOW to replay a past day in a shell, e.g. the sample \
            scenarios/coordinated-visit.yaml of 2026-11-23. Only a scenario file planned with \
            `plan --scenario` uses the `now` written in it.
            """,
        subcommands: [
            Database.self, Validate.self, Import.self, Orders.self, Technicians.self, PlanDay.self, Plans.self, Check.self,
            Slots.self, Book.self, Status.self, Delay.self, Notices.self, Complaints.self, Callbacks.self,
            BoardCommand.self, Explain.self, Assign.self, PinCommand.self, Unpin.self, Unassign.self, Move.self, Agenda.self, Serve.self,
            Dispatchers.self, Nightly.self, Simulate.self,
            ReportCommand.self,
            Travel.self, Roads.self, Generate.self, Bench.self,
        ]
    )

    /// As ArgumentParser's, but a usage error exits 2, the contract's code for bad input.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

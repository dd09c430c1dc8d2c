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

            A first session, on the sample day (2026-11-23; docs/README.md), from the evening before:
              export DISPATCH_NOW=2026-11-22T20:30:00+08:00
              dispatch db migrate
              dispatch import scenarios/sample-day.yaml
              dispatch plan --date 2026-11-23 --commit --format table
              dispatch slots --order WO-2001 --days 3       windows the plans can keep
              dispatch book WO-2001 --window 2026-11-23T13:00:00+08:00
              dispatch notices send --sink file:notices.jsonl
              dispatch status WO-1001 --set en_route
              dispatch orders history WO-1001

            A trial day of your own size: dispatch generate --orders 300 --technicians 40 > day.json \
            (tomorrow, unless --date says otherwise), then import it.

            Time: every command acts at --now when given, else at $DISPATCH_NOW when set, else at \
            the clock; DISPATCH_NOW replays a past day in a shell, as above. Only a scenario file \
            planned with `plan --scenario` uses the `now` written in it.
            """,
        subcommands: [
            Database.self, Validate.self, Import.self, Orders.self, Technicians.self, PlanDay.self, Plans.self, Check.self,
            Slots.self, Book.self, Status.self, Delay.self, Notices.self, Complaints.self, Callbacks.self,
            BoardCommand.self, Explain.self, Assign.self, PinCommand.self, Unpin.self, Unassign.self, Move.self, Agenda.self, Serve.self,
            Dispatchers.self, Clients.self, Events.self, Webhooks.self, CalendarCommand.self, Nightly.self, Simulate.self,
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

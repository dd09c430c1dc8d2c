import ArgumentParser
import Foundation

@main
struct Dispatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Plan and run the day of telecom installation and repair crews.",
        discussion: """
            Orders, technicians and contractor crews are read from scenario files (YAML or JSON, see \
            CONTRACT.md) and kept in a database: an embedded SQLite file by default, or PostgreSQL.

            A first session:
              dispatch db migrate
              dispatch import scenarios/coordinated-visit.yaml
              dispatch orders list --date 2026-11-23
            """,
        subcommands: [
            Database.self, Validate.self, Import.self, Orders.self, Technicians.self, PlanDay.self, Plans.self, Check.self,
            Slots.self, Book.self, Status.self, Delay.self, Notices.self, Complaints.self, Callbacks.self,
            Generate.self, Bench.self,
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

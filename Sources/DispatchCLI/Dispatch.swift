import ArgumentParser

@main
struct Dispatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Plan and run the day of telecom installation and repair crews.",
        discussion: """
            Orders, technicians and contractor crews are read from scenario files (YAML or JSON, see
            CONTRACT.md) and kept in a database: an embedded SQLite file by default, or PostgreSQL.

            A first session:
              dispatch db migrate
              dispatch import scenarios/coordinated-visit.yaml
              dispatch orders list --date 2026-11-23
            """,
        subcommands: [Database.self, Validate.self, Import.self, Orders.self, Technicians.self, PlanDay.self, Plans.self, Check.self, Generate.self]
    )
}

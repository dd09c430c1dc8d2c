import ArgumentParser
import DispatchStore

struct Database: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Create or upgrade the database schema.",
        subcommands: [Migrate.self, Status.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the schema migrations the database lacks.",
            discussion: "Each migration runs in its own transaction and is recorded; running it again changes nothing.")

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations(create: true) { operations, location in
                    let applied = try await operations.migrate()
                    if applied.isEmpty {
                        print("\(location): schema is up to date")
                    } else {
                        print(
                            "\(location): applied migration\(applied.count == 1 ? "" : "s") "
                                + "\(applied.map(String.init).joined(separator: ", "))"
                        )
                    }
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which schema migrations are missing.", discussion: "Exits 1 when some are.")

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations, location in
                    let pending = try await operations.pendingMigrations()
                    if pending.isEmpty {
                        print("\(location): schema is up to date")
                    } else {
                        print(
                            "\(location): missing migration\(pending.count == 1 ? "" : "s") "
                                + "\(pending.map(String.init).joined(separator: ", ")); run 'dispatch db migrate'"
                        )
                        throw ExitCode(1)
                    }
                }
            }
        }
    }
}

import ArgumentParser
import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The event feed: every order change, booking and plan publication, in commit order.",
        discussion: """
            Every change is written to the feed in the transaction that makes it, as a CloudEvents 1.0 \
            envelope; integration clients read it with GET /v1/events (scope events:read) and webhooks \
            deliver it (docs/integration.md). The feed keeps events for a number of days: prune it daily.

              dispatch events list --limit 20
              dispatch events list --after 120 --format json
              dispatch events prune --keep-days 7
            """,
        subcommands: [List.self, Prune.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the events after a cursor (from the oldest kept without one).")

        @Option(help: "The cursor: print the events after it (a number, as 'sequence' and 'next' give).")
        var after: Int?

        @Option(help: "At most this many events (1 to 1000).")
        var limit = 100

        @Option(help: "table for people, json for scripts (the page as GET /v1/events answers it).")
        var format: OutputFormat = .table

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let page = try await operations.events(after: after, limit: limit)
                    switch format {
                    case .json:
                        print(JSONOutput.render(feedPageDocument(page.events, next: page.next)))
                    case .table where page.events.isEmpty:
                        print("No events after \(after ?? 0).")
                    case .table:
                        let rows = page.events.map { event in
                            [String(event.seq), ServiceTimeZone.utc.rfc3339(event.time), event.type, event.subject ?? ""]
                        }
                        print(TextTable(header: ["SEQ", "TIME", "TYPE", "SUBJECT"], rows: rows).render())
                        Failure.printError("dispatch: next cursor \(page.next)")
                    }
                }
            }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the events older than --keep-days (and idempotency keys older than a day).",
            discussion: """
                A client whose cursor is older than the events kept is answered 410 Gone and reads the feed \
                again from its start. 'dispatch nightly' prunes after each run (--keep-events-days); run this \
                where no nightly job runs, daily (cron, or a timer).
                """)

        @Option(help: "Days of events to keep.")
        var keepDays = 7

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let removed = try await operations.pruneEvents(keepDays: keepDays)
                    print("Removed \(plural(removed, "event")) older than \(plural(keepDays, "day")).")
                }
            }
        }
    }
}

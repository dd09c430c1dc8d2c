import ArgumentParser
import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

struct Webhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Webhook endpoints: the event feed POSTed to a client's URL, signed (Standard Webhooks).",
        discussion: """
            Each event (docs/integration.md) is POSTed to every endpoint whose types it has, as its CloudEvents \
            JSON, with the headers webhook-id (the event's id: de-duplicate by it), webhook-timestamp and \
            webhook-signature (v1,HMAC-SHA256 with the endpoint's whsec_ secret). Deliveries are at least once: \
            a 2xx marks one delivered; anything else is tried again after 5 s, 30 s, 2 min, 5 min, 30 min, 1 h, \
            2 h, 5 h, 10 h and 10 h (more than 24 hours), then given up (counted by `list`).

              dispatch webhooks add https://care.example/hooks --client care-feed --types "fielddispatch.order.*"
              dispatch webhooks list
              dispatch webhooks send              # every minute from cron, or in a loop
              dispatch webhooks replay --from 120 # deliver the events after 120 again
              dispatch webhooks remove ep_0123456789abcdef
            """,
        subcommands: [Add.self, List.self, Send.self, Replay.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an endpoint; prints its id and signing secret (whsec_…), the secret only this once.")

        @Argument(help: "Where to POST: http(s)://HOST/PATH.")
        var url: String

        @Option(help: "The integration client it belongs to (a name with a live token: dispatch clients token).")
        var client: String

        @Option(help: "Event types it receives, comma-separated; a prefix ends in * (fielddispatch.order.*). Default: all.")
        var types: String?

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let list = (types ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    let (id, secret) = try await operations.addWebhook(url: url, client: client, types: list)
                    print("\(id) \(secret)")
                    Failure.printError("dispatch: endpoint \(id) receives events from now on; keep the secret, it is not shown again")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the endpoints: client, URL, types, cursor, deliveries pending, delivered and given up.")

        @Option(help: "table for people, json for scripts.")
        var format: OutputFormat = .table

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let endpoints = try await operations.webhooks()
                    switch format {
                    case .json:
                        print(
                            JSONOutput.render(
                                JSONValue.array(
                                    endpoints.map { endpoint, counts -> JSONValue in
                                        [
                                            "id": endpoint.id.json, "client": endpoint.client.json, "url": endpoint.url.json,
                                            "types": endpoint.types.json, "cursor": endpoint.cursor.json,
                                            "disabled": (endpoint.disabledAt != nil).json, "pending": counts.pending.json,
                                            "delivered": counts.delivered.json, "gave_up": counts.gaveUp.json,
                                            "last_error": counts.lastError.json,
                                        ]
                                    })))
                    case .table where endpoints.isEmpty:
                        print("No webhook endpoints yet: dispatch webhooks add URL --client NAME")
                    case .table:
                        let rows = endpoints.map { endpoint, counts in
                            [
                                endpoint.id + (endpoint.disabledAt == nil ? "" : " (removed)"), endpoint.client, endpoint.url,
                                endpoint.types.isEmpty ? "all" : endpoint.types.joined(separator: ","), String(endpoint.cursor),
                                String(counts.pending), String(counts.delivered), String(counts.gaveUp),
                            ]
                        }
                        print(
                            TextTable(
                                header: ["ENDPOINT", "CLIENT", "URL", "TYPES", "CURSOR", "PENDING", "DELIVERED", "GAVE UP"], rows: rows
                            ).render())
                    }
                }
            }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver every due webhook delivery (one run: call it from cron or a loop).",
            discussion: """
                Several senders may run at once: each claims a batch for --claim-seconds (on the database's clock), \
                so no delivery is made by two of them at once. Exit 0 when nothing failed this run, 1 when some \
                delivery failed (it is due again after its back-off).
                """)

        @Option(help: "Deliveries in flight at once, 1–64.")
        var concurrency = 8

        @Option(help: ArgumentHelp("How long this run holds the deliveries it claims.", valueName: "seconds"))
        var claimSeconds = 60

        @Option(help: ArgumentHelp("Seconds to wait for an endpoint's answer.", valueName: "seconds"))
        var timeout = 10.0

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                guard (1...64).contains(concurrency) else { throw BadInput(message: "--concurrency must be between 1 and 64") }
                var outcome = WebhookRun()
                try await options.withOperations { operations in
                    outcome = try await operations.sendWebhooks(
                        transport: HTTPWebhookTransport(timeoutSeconds: timeout), leaseSeconds: claimSeconds, concurrency: concurrency)
                }
                print("Delivered \(outcome.delivered); failed \(outcome.failed) (tried again later); gave up \(outcome.gaveUp).")
                if outcome.failed + outcome.gaveUp > 0 { throw ExitCode(1) }
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver the events after a cursor again (to one endpoint, or to all), at the next send.")

        @Option(help: "The cursor: the events after it are delivered again (0: every event kept).")
        var from: Int

        @Option(help: "Only this endpoint (ep_…).")
        var endpoint: String?

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let count = try await operations.replayWebhooks(from: from, endpoint: endpoint)
                    print("\(plural(count, "endpoint")) will receive the events after \(from) again at the next send.")
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop delivering to an endpoint (it stays listed, removed).")

        @Argument(help: "The endpoint's id (ep_…).")
        var id: String

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    try await operations.removeWebhook(id)
                    print("Removed \(id).")
                }
            }
        }
    }
}

import ArgumentParser
import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

struct Notices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The customer notice outbox: list it, deliver what is due.",
        discussion: """
            Notices are queued in the same transaction as the change that causes them: confirmation (on \
            booking, and the evening before at 18:00), pre_arrival (due at the planned start minus the notice \
            minutes), rebooking (with the reason and new windows, due at once), absence (left when the \
            customer was not at home).
            """,
        subcommands: [List.self, Send.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the outbox: every notice, or those due now, or those sent.")

        @Flag(help: "Only unsent notices due at --now.")
        var due = false

        @Flag(help: "Only notices already delivered.")
        var sent = false

        @Option(help: "table for people, json for scripts.")
        var format: OutputFormat = .table

        @Flag(help: "Print every column whole, however wide (the default fits 100 columns).")
        var wide = false

        @OptionGroup var options: OperationOptions

        func validate() throws {
            if due && sent { throw ValidationError("--due and --sent exclude each other") }
        }

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let filter: NoticeFilter = due ? .due(operations.clock.now()) : sent ? .sent : .all
                    let notices = try await operations.notices(filter)
                    switch format {
                    case .json:
                        print(
                            JSONOutput.render(
                                notices.map { notice -> JSONValue in
                                    var object: [String: JSONValue] = [
                                        "id": notice.id.json, "idempotency_key": notice.draft.key.json,
                                        "kind": notice.draft.kind.rawValue.json, "order": notice.draft.order.json,
                                        "due_at": ServiceTimeZone.utc.rfc3339(notice.draft.dueAt).json,
                                        "attempts": notice.attempts.json, "state": Self.state(notice).json,
                                    ]
                                    object["sent_at"] = notice.sentAt.map { ServiceTimeZone.utc.rfc3339($0).json }
                                    object["last_error"] = notice.lastError?.json
                                    object["body"] = try? JSONValue(parsing: Data(notice.draft.body.utf8))
                                    return .object(object)
                                }))
                    case .table where notices.isEmpty:
                        print("No notices.")
                    case .table:
                        let zones = await operations.zones(ofOrders: notices.map(\.draft.order))
                        let rows = notices.map { notice in
                            [
                                String(notice.id), notice.draft.kind.rawValue, notice.draft.order,
                                (zones[notice.draft.order] ?? .utc).rfc3339(notice.draft.dueAt), Self.state(notice),
                                String(notice.attempts),
                                notice.lastError ?? "",
                            ]
                        }
                        print(
                            TextTable(
                                header: ["ID", "KIND", "ORDER", "DUE (LOCAL)", "STATE", "TRIES", "LAST ERROR"], rows: rows, wide: wide
                            ).render())
                        print(plural(notices.count, "notice"))
                    }
                }
            }
        }

        static func state(_ notice: StoredNotice) -> String {
            if notice.sentAt != nil { return notice.cancelledInFlightAt != nil ? "sent, cancelled in flight" : "sent" }
            if notice.cancelledAt != nil { return "cancelled" }
            return "pending"
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver every due, unsent notice.",
            discussion: """
                --sink http://… or https://… POSTs each notice's JSON with an Idempotency-Key header, tries again \
                with backoff on network errors, timeouts, 408, 429 and 5xx, and marks a notice sent only after a \
                2xx. --sink file:PATH appends one JSON object per line and never writes a key twice. Run it \
                every minute from cron; a run that was killed is simply run again: the receiver may see a \
                repeat only of a delivery that was never acknowledged, with the same key.

                Several senders may run at once (overlapping cron runs, two machines): each claims a batch of \
                due notices for --claim-seconds (on the database's clock) before delivering them, and checks \
                just before each delivery that the notice is still wanted (not cancelled by a re-plan) and \
                still its claim, so no notice is delivered twice. The claims of a sender that was killed run \
                out after --claim-seconds; until then the next run leaves those notices alone.

                Delivering a pre_arrival notice locks the visit (the order becomes notified): no plan moves \
                it any more. Exit 0 when everything due was delivered, 1 when some delivery failed (the \
                failures stay due for the next run).
                """)

        @Option(help: ArgumentHelp("Where to deliver: http(s)://HOST/PATH or file:PATH.", valueName: "url"))
        var sink: String

        @Option(help: "Deliveries in flight at once (HTTP), 1–64.")
        var concurrency = 8

        @Option(help: "Attempts per notice before it waits for the next run, 1–20 (HTTP; backoff 0.2 s, doubling).")
        var attempts = 6

        @Option(
            help: ArgumentHelp(
                "How long this run holds the notices it claims; a killed run's claims run out after it.",
                valueName: "seconds"))
        var claimSeconds = 60

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                guard (1...64).contains(concurrency) else { throw BadInput(message: "--concurrency must be between 1 and 64") }
                guard (1...20).contains(attempts) else { throw BadInput(message: "--attempts must be between 1 and 20") }
                guard (1...3600).contains(claimSeconds) else { throw BadInput(message: "--claim-seconds must be between 1 and 3600") }
                let target = try NoticeSinks.make(sink, retry: RetryPolicy(attempts: attempts))
                let showProgress = isatty(2) == 1
                try await options.withOperations { operations in
                    let report = try await operations.sendNotices(to: target, concurrency: concurrency, claimSeconds: claimSeconds) {
                        done, total in
                        if showProgress && (done % 100 == 0 || done == total) {
                            Failure.printError("dispatch: \(done)/\(total) notices handled")
                        }
                    }
                    print("\(plural(report.due, "notice")) due, \(report.sent) delivered, \(report.failed.count) failed")
                    for (key, reason) in report.failed.sorted(by: { $0.key < $1.key }) {
                        Failure.printError("dispatch: \(key): \(reason)")
                    }
                    if !report.failed.isEmpty { throw ExitCode(1) }
                }
            }
        }
    }
}

struct Complaints: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record customer complaints.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a complaint about an order; the customer is to be called back within 2 hours (Art. 60).")

        @Argument(help: "The order.")
        var order: String

        @Option(help: "What the customer said.")
        var text: String

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let (complaint, callback) = try await operations.addComplaint(order: order, text: text, actor: options.who)
                    print("Complaint \(complaint) recorded for \(order); callback \(callback) due within 2 hours")
                }
            }
        }
    }
}

struct Callbacks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The callback desk: calls after completed work and complaints (Art. 50-55, 60).",
        discussion: """
            Every completed install, move and repair gets a callback due the same day (at the latest 3 days \
            later); a complaint one due within 2 hours. Calls are automatic first, manual for VIP customers, \
            after a failed automatic attempt and after a dissatisfied answer. Callbacks stay in-house.
            """,
        subcommands: [Due.self, Record.self])

    struct Due: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List open callbacks, earliest due first; overdue ones marked.")

        @Option(help: "table for people, json for scripts.")
        var format: OutputFormat = .table

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let items = try await operations.callbacksDue()
                    let utc = ServiceTimeZone.utc
                    switch format {
                    case .json:
                        print(
                            JSONOutput.render(
                                items.map { item -> JSONValue in
                                    [
                                        "id": item.task.id.json, "order": item.task.order.json, "cause": item.task.cause.rawValue.json,
                                        "channel": item.task.channel.rawValue.json, "due_at": utc.rfc3339(item.task.dueAt).json,
                                        "latest": utc.rfc3339(item.latest).json, "attempts": item.task.attempts.json,
                                        "overdue": item.overdue.json,
                                    ]
                                }))
                    case .table where items.isEmpty:
                        print("No open callbacks.")
                    case .table:
                        let zones = await operations.zones(ofOrders: items.map(\.task.order))
                        let rows = items.map { item in
                            [
                                String(item.task.id), item.task.order, item.task.cause.rawValue, item.task.channel.rawValue,
                                (zones[item.task.order] ?? .utc).rfc3339(item.task.dueAt), String(item.task.attempts),
                                item.overdue ? "OVERDUE" : "",
                            ]
                        }
                        print(TextTable(header: ["ID", "ORDER", "CAUSE", "CHANNEL", "DUE (LOCAL)", "TRIES", ""], rows: rows).render())
                    }
                }
            }
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the result of a callback: the customer's answer, or --no-answer.",
            discussion: "A dissatisfied answer needs --reason and brings a manual follow-up call.")

        @Argument(help: "The callback id.")
        var id: Int

        @Option(help: "very_satisfied, satisfied or dissatisfied.")
        var answer: CallbackAnswer?

        @Flag(name: .customLong("no-answer"), help: "The call was not answered (the task moves to the manual channel).")
        var noAnswer = false

        @Option(help: "Why (required with dissatisfied).")
        var reason: String?

        @OptionGroup var options: OperationOptions

        func validate() throws {
            if (answer == nil) == !noAnswer { throw ValidationError("give either --answer or --no-answer") }
        }

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let task = try await operations.recordCallback(id, answer: answer, reason: reason, agent: options.who)
                    print(
                        "Callback \(task.id) for \(task.order): "
                            + (task.answer.map { "answered \($0.rawValue)" }
                                ?? "not answered, \(plural(task.attempts, "attempt")), next on the \(task.channel.rawValue) channel"))
                }
            }
        }
    }
}

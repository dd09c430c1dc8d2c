import ArgumentParser
import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Move an order to a new state, as a technician or dispatcher reports it.",
        discussion: """
            States: new → scheduled → confirmed → notified → en_route → on_site → completed | customer_absent \
            | transferred, plus rebooking and cancelled. scheduled, confirmed and notified are set by publishing \
            a plan and delivering notices, not by hand. Every change is stored with its time, actor and reason \
            (see 'dispatch orders history').

            Effects: completed creates the callback task (a broadband install needs --detail speed_test_mbps=N); \
            transferred needs --reason; customer_absent leaves an absence notice, pauses a repair's deadline and \
            sends the order back to rebooking; rebooking and cancelled need --reason and take the visit off the \
            published plan (a company-side rebooking queues a notice with new windows). A coordinated visit is \
            one visit: those apply to every order of the group.

            Examples:
              dispatch status WO-1001 --set en_route --now 2026-11-23T08:50:00+08:00
              dispatch status WO-1001 --set completed --detail speed_test_mbps=94.5
              dispatch status WO-1003 --set rebooking --reason "customer asked to move" --side customer

            An illegal transition exits 2 naming the current state and the allowed next ones.
            """)

    @Argument(help: "The order.")
    var order: String

    @Option(name: .customLong("set"), help: ArgumentHelp("The new state.", valueName: "state"))
    var state: OrderState

    @Option(help: "Why (required for transferred, rebooking and cancelled).")
    var reason: String?

    @Option(help: "For rebooking: whose side caused it, company or customer (default company).")
    var side: ReasonSide?

    @Option(help: ArgumentHelp("A completion field NAME=VALUE (repeatable), e.g. speed_test_mbps=94.5.", valueName: "name=value"))
    var detail: [String] = []

    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            var details: [String: String] = [:]
            for item in detail {
                guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                    throw BadInput(message: "--detail '\(item)' is not NAME=VALUE")
                }
                details[String(item[..<equals])] = String(item[item.index(after: equals)...])
            }
            try await options.withOperations { operations in
                let change = try await operations.setStatus(
                    order: order, to: state, reason: reason, side: side,
                    details: details, actor: options.who)
                var line = "\(order): \(change.from) → \(change.to)"
                if let callback = change.callback { line += "; callback \(callback) created" }
                if let publish = change.publish { line += "; plan version \(publish.version) of \(publish.day) published" }
                if change.noticesQueued > 0 { line += "; \(plural(change.noticesQueued, "notice")) queued" }
                if let reaction = change.reaction {
                    line += "; the next visit re-planned: plan version \(reaction.version)"
                    if !reaction.rebooked.isEmpty {
                        line += ", \(plural(reaction.rebooked.count, "order")) to rebooking (\(reaction.rebooked.joined(separator: ", ")))"
                    }
                }
                print(line)
                if let refused = change.reactionRefused {
                    Failure.printError("dispatch: the next visit was not re-planned: \(refused)")
                }
            }
        }
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print an order's recorded state changes, oldest first.")

    @Argument(help: "The order.")
    var order: String

    @Option(help: "table for people, json for scripts.")
    var format: OutputFormat = .table

    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            try await options.withOperations { operations in
                let events = try await operations.history(order: order)
                let zone = try await operations.zone(ofOrder: order)
                switch format {
                case .json:
                    print(JSONOutput.render(events.map { $0.json(in: zone) }))
                case .table where events.isEmpty:
                    print("\(order) has no recorded changes yet (it is new).")
                case .table:
                    let rows = events.map { event in
                        [
                            zone.rfc3339(event.at), event.actor, "\(event.from) → \(event.to)",
                            [event.reason, event.side.map { "(\($0.rawValue) side)" }, event.details].compactMap { $0 }.joined(
                                separator: " "),
                        ]
                    }
                    print(TextTable(header: ["AT", "ACTOR", "CHANGE", "REASON"], rows: rows).render())
                }
            }
        }
    }
}

struct Absent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a technician absent on a day.",
        discussion: """
            Their visits in the day's published plan go to other technicians where they still fit inside \
            their windows (a new plan version); the rest, and visits already announced to the customer \
            (notified: same technician, same start), go to rebooking, each with a notice to the customer \
            due at once, before the window. Recording the same absence again changes nothing.
            """)

    @Argument(help: "The technician.")
    var technician: String

    @Option(help: ArgumentHelp("The day, YYYY-MM-DD.", valueName: "date"))
    var date: String

    @Option(help: "Why (kept with the absence).")
    var reason: String?

    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            let day = try BadInput.serviceDay(date)
            try await options.withOperations { operations in
                guard let outcome = try await operations.recordAbsence(technician: technician, day: day, reason: reason, actor: options.who)
                else {
                    print("\(technician) recorded absent on \(day); no published visits were affected.")
                    return
                }
                print(
                    "\(technician) recorded absent on \(day); plan version \(outcome.version) published: "
                        + outcome.summary)
            }
        }
    }
}

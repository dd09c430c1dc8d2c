import ArgumentParser
import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

struct Slots: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the appointment windows the published plans can really keep for an order.",
        discussion: """
            Each window is a trial insertion into that day's published plan: every published visit stays \
            with its technician at its start, and every hard rule is kept (skills, certification, territory, \
            contract and quota, shift and break, travel, the pre-arrival notice). A coordinated visit gets one \
            window for all its orders. Soonest day first; within a day, the windows that add least travel \
            and cost first. Windows start on the hour. ADDED is what the visit adds to the planner's \
            objective (travel, a route opened, a contractor's price) in the planner's points: lower is \
            better; it is not money.

            Example:
              dispatch slots --order WO-2001 --days 3 --now 2026-11-22T10:00:00+08:00
              dispatch book WO-2001 --window 2026-11-23T13:00:00+08:00
            """)

    @Option(help: ArgumentHelp("The order to book.", valueName: "id"))
    var order: String

    @Option(help: "How many days to look at, from today.")
    var days = 7

    @Option(help: "Window length in minutes.")
    var length = 120

    @Option(help: "table for people, json for scripts.")
    var format: OutputFormat = .table

    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            try await options.withOperations { operations in
                let slots = try await operations.slots(order: order, days: days, lengthMinutes: length)
                switch format {
                case .json:
                    print(
                        JSONOutput.render(
                            slots.map { slot -> JSONValue in
                                [
                                    "date": slot.day.description.json, "start": slot.zone.rfc3339(slot.window.start).json,
                                    "end": slot.zone.rfc3339(slot.window.end).json, "planned_start": slot.zone.rfc3339(slot.start).json,
                                    "technicians": slot.technicians.json, "cost": slot.cost.json,
                                ]
                            }))
                case .table where slots.isEmpty:
                    print("No window in the next \(plural(days, "day")) can be kept for \(order).")
                case .table:
                    let rows = slots.map { slot in
                        [
                            slot.day.description, "\(slot.zone.local(slot.window.start).time)–\(slot.zone.local(slot.window.end).time)",
                            slot.zone.rfc3339(slot.window.start), slot.zone.local(slot.start).time.description,
                            slot.technicians.joined(separator: "+"), String(slot.cost),
                        ]
                    }
                    print(
                        TextTable(header: ["DAY", "WINDOW", "BOOK WITH --window", "ARRIVAL", "TECHNICIAN", "ADDED"], rows: rows).render())
                }
            }
        }
    }
}

struct Book: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Agree an appointment window with the customer and plan the visit into it.",
        discussion: """
            In one transaction: the order gets the window (and the window's day), the visit is inserted into \
            that day's plan as a new published version with every other visit kept, and the confirmation \
            notice is queued. A window that cannot be kept is refused (exit 2): 'dispatch slots' lists the \
            ones that can.
            """)

    @Argument(help: "The order.")
    var order: String

    @Option(help: ArgumentHelp("Start of the window, RFC 3339 with an offset.", valueName: "time"))
    var window: String

    @Option(help: "Window length in minutes.")
    var length = 120

    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            let start = try BadInput.instant(window, option: "--window")
            try await options.withOperations { operations in
                try await operations.ensureTravel(forOrder: order)
                let booking = try await operations.book(order: order, windowStart: start, lengthMinutes: length, actor: options.who)
                let zone = booking.zone
                print(
                    "Booked \(booking.orders.joined(separator: " + ")) for "
                        + "\(zone.rfc3339(booking.window.start))–\(zone.local(booking.window.end).time): "
                        + "\(booking.technicians.joined(separator: " + ")) arrives at \(zone.local(booking.start).time); "
                        + "plan version \(booking.publish.version) of \(booking.publish.day) published, "
                        + "\(plural(booking.publish.noticesQueued, "notice")) queued")
            }
        }
    }
}

struct Delay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record that the technician will be late for an order's visit.",
        discussion: """
            The visit moves by the delay; the technician's later visits go where they still fit inside \
            their windows (on any technician). Whatever can no longer be kept goes to rebooking, each with a \
            notice to the customer due at once, before the window. A new plan version is published.
            """)

    @Argument(help: "The order.")
    var order: String

    @Option(help: "Minutes late.")
    var minutes: Int

    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            try await options.withOperations { operations in
                let outcome = try await operations.delay(order: order, minutes: minutes, actor: options.who)
                print(
                    "\(order) delayed by \(minutes) min; plan version \(outcome.version) of \(outcome.day) published: "
                        + outcome.summary)
            }
        }
    }
}

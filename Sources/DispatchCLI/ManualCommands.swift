import ArgumentParser
import DispatchOperations
import DispatchStore
import SchedulingCore

/// `--based-on`: the plan version the dispatcher looked at.
struct BasedOn: ParsableArguments {
    @Option(
        name: .customLong("based-on"),
        help: ArgumentHelp(
            "The plan version you looked at (dispatch board): if another was published since, the change is refused (exit 3).",
            valueName: "version"))
    var version: Int?
}

/// What `assign` and `pin` share: the order, the technician, an optional start.
struct AssignArguments: ParsableArguments {
    @Argument(help: "The order.") var order: String
    @Option(help: ArgumentHelp("The technician.", valueName: "id")) var technician: String
    @Option(help: ArgumentHelp("Start, RFC 3339 with an offset (default: where it fits best).", valueName: "time")) var start: String?
    @OptionGroup var based: BasedOn
    @OptionGroup var options: OperationOptions

    func run(pin: Bool) async throws {
        let at = try start.map { try BadInput.instant($0, option: "--start") }
        try await options.withOperations { operations in
            let outcome = try await operations.assign(
                order: order, technician: technician, start: at, pin: pin,
                basedOn: based.version, actor: options.who)
            print(
                "\(order) \(pin ? "pinned" : "assigned") to \(technician); plan version \(outcome.version) of \(outcome.day) published: "
                    + outcome.summary)
        }
    }
}

struct Assign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give an order (its whole coordinated visit) to a technician, checked against every hard rule.",
        discussion: """
            Every other published visit stays where it is. A change that breaks a rule is refused with the \
            rule and why (exit 2), e.g. "refused (H1): T07 lacks phone". A stored change is a new published plan \
            version, with who and when, and queues the notices publishing does.
            """)

    @OptionGroup var arguments: AssignArguments

    func run() async throws {
        try await reporting { try await arguments.run(pin: false) }
    }
}

struct PinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Assign an order to a technician (and a start) and keep it there in every re-plan.")

    @OptionGroup var arguments: AssignArguments

    func run() async throws {
        try await reporting { try await arguments.run(pin: true) }
    }
}

struct Unpin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove a pin; the plan stays until the next re-plan.")

    @Argument(help: "The order.") var order: String
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            try await options.withOperations { operations in
                try await operations.unpin(order: order, actor: options.who)
                print("\(order) unpinned")
            }
        }
    }
}

struct Unassign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take an order's visit off the published plan.",
        discussion: "A visit with an appointment goes to rebooking, with a notice to the customer; one without goes back to new.")

    @Argument(help: "The order.") var order: String
    @OptionGroup var based: BasedOn
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            try await options.withOperations { operations in
                if let outcome = try await operations.unassign(order: order, basedOn: based.version, actor: options.who) {
                    print("\(order) unassigned; plan version \(outcome.version) of \(outcome.day) published: " + outcome.summary)
                } else {
                    print("\(order) had no visit in the published plan")
                }
            }
        }
    }
}

struct Move: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move an order without an appointment to another day, planned there around the published visits.")

    @Argument(help: "The order.") var order: String
    @Option(help: ArgumentHelp("The day, YYYY-MM-DD.", valueName: "date")) var date: String
    @OptionGroup var based: BasedOn
    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            let day = try BadInput.serviceDay(date)
            try await options.withOperations { operations in
                let outcome = try await operations.move(order: order, to: day, basedOn: based.version, actor: options.who)
                print("\(order) moved to \(day); plan version \(outcome.version) published: " + outcome.summary)
            }
        }
    }
}

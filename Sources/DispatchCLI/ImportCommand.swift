import ArgumentParser
import DispatchOperations
import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a scenario file without storing or planning anything.",
        discussion: """
            Prints every problem as FILE:LINE:COLUMN: FIELD: MESSAGE and exits 2 if there is any (the first \
            1,000 are listed, then how many more). Files of any size are read in bounded memory: the orders \
            are checked in batches as they are read. A valid file also gets a warning for each technician \
            who can take none of its orders (no certificate or one that has ended, a contract not valid \
            that day, no order needing only their skills, none in their territories); absent ones are not \
            warned about.
            """)

    @Argument(help: "Scenario file (YAML or JSON).")
    var file: String

    func run() async throws {
        try await reporting {
            let stream = try ScenarioStream.open(path: file)
            // One order of each kind (skills, territory, work, service, tier) is enough to tell who can take none.
            var kinds: [String: WorkOrder] = [:]
            let orders = try stream.orders { batch in
                for order in batch {
                    let kind = "\(order.skills.sorted())|\(order.territory ?? "")|\(order.type)|\(order.service)|\(order.customer.tier)"
                    if kinds[kind] == nil { kinds[kind] = order }
                }
            }
            let scenario = stream.header
            print(
                "\(file): ok — \(scenario.name) on \(scenario.date) (\(scenario.timeZone)): "
                    + [plural(orders, "order"), plural(scenario.technicians.count, "technician"), plural(scenario.crews.count, "crew")]
                    .joined(separator: ", "))
            let crews = scenario.crewsByID
            for technician in scenario.technicians.sorted(by: { naturallyBefore($0.id, $1.id) }) where !technician.absent {
                if let reason = scenario.idleReason(of: technician, orders: Array(kinds.values), crews: crews) {
                    print("\(file): warning: technician \(technician.id) can take no order on \(scenario.date): \(reason)")
                }
            }
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store a scenario's crews, technicians and orders.",
        discussion: """
            The file is checked first; a file with any problem stores nothing (exit 2). Records are matched \
            by id: new ones are added, changed ones updated, and importing the same file again changes nothing. \
            Everything is written in one transaction. Files of any size are imported in bounded memory: \
            the orders are checked and written in batches as the file is read, and a problem anywhere \
            rolls the whole import back.

            When the day's plan is already published (orders arriving during the day, an urgent repair), \
            the orders it does not list yet are then placed around the published visits at once (repairs \
            first; every published visit kept) and a new plan version is published; what fits nowhere is \
            listed as unassigned with its reason. --now sets the time this happens at.
            """)

    @Argument(help: "Scenario file (YAML or JSON).")
    var file: String

    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            let stream = try ScenarioStream.open(path: file)
            let scenario = stream.header
            let clock = try options.clock()
            try await options.database.withOperations(clock: clock, routing: try routingLimits()) { operations, location in
                let summary = try await operations.importScenario(
                    scenario, orders: { store in try stream.orders(store) }, travel: { stream.legs })
                let counts =
                    [
                        plural(summary.crews.total, "crew"), plural(summary.technicians.total, "technician"),
                        plural(summary.customers.total, "customer"), plural(summary.orders.total, "order"),
                    ].joined(separator: ", ") + (summary.travelLegs.total > 0 ? ", \(plural(summary.travelLegs.total, "road leg"))" : "")
                let changes = summary.changedRows == 0 ? "nothing changed" : "\(plural(summary.changedRows, "row")) added or updated"
                print("Imported \(scenario.name) (\(scenario.date)) into \(location): \(counts); \(changes)")
                if let service = scenario.travel.service {
                    // The day's legs of places new since the last build; the import stands if the engine fails.
                    do {
                        if let built = try await operations.ensureTravel(scenario.date, progress: Travel.Build.progress()) {
                            print(
                                "Travel built from \(built.source): \(plural(built.fetchedPairs, "pair")) asked, \(built.cachedPairs) kept")
                        }
                    } catch {
                        FileHandle.standardError.write(
                            Data(
                                ("warning: the travel of \(scenario.date) was not built from \(service): "
                                    + "\(OperationError.from(error).message); new places are straight lines until `dispatch travel "
                                    + "build --date "
                                    + "\(scenario.date)` succeeds\n").utf8))
                    }
                }
                guard summary.orders.changed > 0 else { return }
                if let outcome = try await operations.placeArrivals(on: scenario.date, actor: options.who) {
                    print(
                        "New orders placed around the published plan: plan version \(outcome.version) of \(scenario.date), "
                            + "\(plural(outcome.scheduled.count, "order")) scheduled")
                }
            }
        }
    }
}

import ArgumentParser
import DispatchStore
import Foundation
import SchedulingCore

struct Orders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Look at stored orders.", subcommands: [List.self, History.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the orders of one service day.",
            discussion: """
                Times are shown in the time zone the day was imported with. PLANNED is the visit in the day's \
                published plan. Repairs show their deadline (fault reported + the tier's hours, + the time the \
                clock was paused while the customer was absent); LATE marks a repair planned, or still waiting \
                at --now, past it.
                """)

        @Option(help: ArgumentHelp("Service day, YYYY-MM-DD.", valueName: "date"))
        var date: String

        @Option(help: "table for people, json for scripts.")
        var format: OutputFormat = .table

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                let day = try BadInput.serviceDay(date)
                try await options.withOperations { operations in
                    guard let orders = try await operations.orders(on: day) else {
                        if format == .json { print("[]") } else { print("No orders stored for \(day).") }
                        return
                    }
                    let presenter = OrderPresenter(zone: orders.zone)
                    switch format {
                    case .json:
                        print(try JSONOutput.render(orders.lines.map(presenter.json)))
                    case .table where orders.lines.isEmpty:
                        print("No orders stored for \(day).")
                    case .table:
                        print(TextTable(header: OrderPresenter.header, rows: orders.lines.map(presenter.row)).render())
                        let late = orders.lines.filter(\.late).count
                        print("\(plural(orders.lines.count, "order")) on \(day) (\(orders.zone))"
                            + (orders.publishedVersion.map { ", published plan version \($0)" } ?? ", no published plan")
                            + (late > 0 ? ", \(plural(late, "late repair"))" : ""))
                    }
                }
            }
        }
    }
}

struct Technicians: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look at stored technicians; record absences; make API tokens.",
        subcommands: [List.self, Absent.self, TechnicianToken.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every technician.")

        @Option(help: "table for people, json for scripts.")
        var format: OutputFormat = .table

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            try await reporting {
                try await options.withStore { store, _ in
                    let technicians = try await store.technicians().sorted { naturallyBefore($0.id, $1.id) }
                    switch format {
                    case .json:
                        print(try JSONOutput.render(technicians.map(TechnicianPresenter.json)))
                    case .table where technicians.isEmpty:
                        print("No technicians stored.")
                    case .table:
                        print(TextTable(header: TechnicianPresenter.header, rows: technicians.map(TechnicianPresenter.row)).render())
                        print(plural(technicians.count, "technician"))
                    }
                }
            }
        }
    }
}

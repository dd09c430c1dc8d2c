import ArgumentParser
import DispatchStore
import Foundation
import SchedulingCore

struct Orders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Look at stored orders.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the orders of one service day.",
            discussion: "Times are shown in the time zone the day was imported with.")

        @Option(help: ArgumentHelp("Service day, YYYY-MM-DD.", valueName: "date"))
        var date: String

        @Option(help: "table for people, json for scripts.")
        var format: OutputFormat = .table

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            try await reporting {
                let day = try BadInput.serviceDay(date)
                try await options.withStore { store, _ in
                    let (zone, orders) = try await store.orders(on: day)
                    let presenter = OrderPresenter(zone: zone ?? .utc)
                    switch format {
                    case .json:
                        print(try JSONOutput.render(orders.map(presenter.json)))
                    case .table where orders.isEmpty:
                        print("No orders stored for \(day).")
                    case .table:
                        print(TextTable(header: OrderPresenter.header, rows: orders.map(presenter.row)).render())
                        print("\(plural(orders.count, "order")) on \(day) (\(zone ?? .utc))")
                    }
                }
            }
        }
    }
}

struct Technicians: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Look at stored technicians.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every technician.")

        @Option(help: "table for people, json for scripts.")
        var format: OutputFormat = .table

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            try await reporting {
                try await options.withStore { store, _ in
                    let technicians = try await store.technicians()
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

import ArgumentParser
import DispatchOperations
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

        @Flag(help: "Print every column whole, however wide (the default fits 100 columns).")
        var wide = false

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
                        print(JSONOutput.render(orders.lines.map(presenter.json)))
                    case .table where orders.lines.isEmpty:
                        print("No orders stored for \(day).")
                    case .table:
                        print(
                            TextTable(
                                header: OrderPresenter.header, rows: orders.lines.map(presenter.row), wide: wide,
                                optional: ["FIXED", "GROUP", "TERRITORY", "MIN", "TIER"]
                            ).render())
                        let late = orders.lines.filter(\.late).count
                        print(
                            "\(plural(orders.lines.count, "order")) on \(day) (\(orders.zone))"
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
        static let configuration = CommandConfiguration(
            abstract: "List every technician.",
            discussion: """
                With --date, each technician who can take none of that day's orders says why: absent, \
                certificate or contract ended, no order needing only their skills, none in their territories.
                """)

        @Option(help: "table for people, json for scripts.")
        var format: OutputFormat = .table

        @Option(help: ArgumentHelp("A stored service day: flag who can take none of its orders, and why.", valueName: "date"))
        var date: String?

        @Flag(help: "Print every column whole, however wide (the default fits 100 columns).")
        var wide = false

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            try await reporting {
                let day = try date.map { try BadInput.serviceDay($0) }
                try await options.withOperations { operations, _ in
                    let (technicians, reasons) = try await operations.roster(on: day)
                    switch format {
                    case .json:
                        print(
                            JSONOutput.render(
                                technicians.map { technician -> [String: JSONValue] in
                                    var object = TechnicianPresenter.json(technician)
                                    if day != nil { object["cannot_work"] = reasons[technician.id].json }
                                    return object
                                }))
                    case .table where technicians.isEmpty:
                        print("No technicians stored.")
                    case .table:
                        let header = TechnicianPresenter.header + (day == nil ? [] : ["CANNOT WORK \(day!)"])
                        let rows = technicians.map { TechnicianPresenter.row($0) + (day == nil ? [] : [reasons[$0.id] ?? ""]) }
                        print(
                            TextTable(header: header, rows: rows, wide: wide, optional: ["TERRITORIES", "CERTIFIED UNTIL", "NAME"]).render()
                        )
                        print(
                            plural(technicians.count, "technician")
                                + (day == nil ? "" : ", \(reasons.count) who can take none of the orders of \(day!)"))
                    }
                }
            }
        }
    }
}

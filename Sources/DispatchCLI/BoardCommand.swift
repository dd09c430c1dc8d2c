import ArgumentParser
import DispatchHTTP
import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

struct BoardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "The published plan of a day, technician by technician, and what waits.",
        discussion: """
            Each technician: their visits in order (time, order, type, customer tier, state; LATE for a \
            repair past its deadline or an arrival past its window, RISK within 15 minutes of the window's \
            end or 30 of a deadline; * the customer's contact of a coordinated visit), travel, idle time and \
            load (work and travel over the shift); contractors are marked with their crew. Then the orders \
            unassigned, with their reason, and those waiting for a new appointment.

            --format json prints the same with stable keys: date, timezone, plan_version, technicians[] \
            (id, name, crew, absent, depart, return, break_start, travel_minutes, idle_minutes, load_percent, \
            visits[] (order, type, service, tier, state, start, end, window, group, contact, locked, late, at_risk, \
            travel_minutes)), \
            unassigned[] and rebooking[] (order, code, reason), kpis.

            --svg FILE writes the same day as a Gantt chart: technicians on rows grouped by crew, time \
            across with hour lines, visits coloured by state over their appointment windows, travel and \
            breaks, locked visits and the customer's contact marked, the parts of a coordinated visit \
            linked. --html FILE writes a self-contained page with that chart, a tooltip per visit and the \
            orders waiting. Rows keep their height: a large day scrolls. Either file is written whole or \
            not at all.

            Examples:
              dispatch board --date 2026-11-23
              dispatch board --date 2026-11-23 --svg board.svg --html board.html
              rsvg-convert board.svg -o board.png
            """)

    @Option(help: ArgumentHelp("The day, YYYY-MM-DD.", valueName: "date"))
    var date: String

    @Option(help: "table for people, json for scripts.")
    var format: OutputFormat = .table

    @Option(help: ArgumentHelp("Also write the day as a Gantt chart in SVG to this file.", valueName: "file"))
    var svg: String?

    @Option(
        help: ArgumentHelp(
            "Also write a self-contained HTML page: the chart with a tooltip per visit, and the orders waiting.",
            valueName: "file"))
    var html: String?

    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            let day = try BadInput.serviceDay(date)
            try await options.withOperations { operations in
                let board = try await operations.board(day)
                if let svg { try ChartFile.write(BoardChart(board: board).svg(), to: svg, option: "--svg") }
                if let html { try ChartFile.write(BoardPage(board: board).html(), to: html, option: "--html") }
                print(format == .json ? JSONOutput.render(BoardText.json(board)) : BoardText.render(board))
            }
        }
    }
}

enum BoardText {
    static func render(_ board: Board) -> String {
        let zone = board.zone
        func clock(_ instant: Instant?) -> String { instant.map { zone.local($0).time.description } ?? "--:--" }
        var lines = ["Board of \(board.date) (\(zone)), " + (board.version.map { "published plan version \($0)" } ?? "nothing published")]
        for row in board.rows {
            let who = row.technician.name.map { "\(row.technician.id) \($0)" } ?? row.technician.id
            let crew = row.crew.map { " [contractor \($0)]" } ?? ""
            if row.visits.isEmpty {
                let why = row.idleReason ?? "orders open to them went to others or fit nowhere (see Unassigned)"
                lines.append(wrapped("\(who)\(crew): no visits — \(why)"))
                continue
            }
            lines.append(
                wrapped(
                    "\(who)\(crew): \(clock(row.depart))–\(clock(row.returnAt)), \(plural(row.visits.count, "visit")), travel "
                        + "\(row.travelMinutes) min, idle \(row.idleMinutes) min, load \(row.loadPercent)%"
                        + (row.breakStart.map { ", break \(clock($0))" } ?? "")))
            let rows = row.visits.map { visit -> [String] in
                let order = visit.order.order
                let marks = [visit.late ? "LATE" : nil, visit.atRisk ? "RISK" : nil].compactMap { $0 }.joined(separator: " ")
                return [
                    "  \(clock(visit.start))–\(clock(visit.end))", order.id + (order.group != nil && visit.contact ? "*" : ""),
                    "\(order.service.rawValue) \(order.type.rawValue)", order.customer.tier.rawValue, visit.order.status, marks,
                ]
            }
            if !rows.isEmpty { lines.append(TextTable(header: ["  TIME", "ORDER", "WORK", "TIER", "STATE", ""], rows: rows).render()) }
        }
        for (title, items) in [("Unassigned", board.unassigned), ("Waiting for a new appointment", board.rebooking)] where !items.isEmpty {
            lines.append("\(title) (\(items.count)):")
            for item in items { lines.append(wrapped("  \(item.order.order.id)  \(item.code): \(item.reason)")) }
        }
        if let k = board.kpis {
            lines.append("\(k.figures(currency: board.currency)), \(plural(board.lateRepairs, "late repair")) now")
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ board: Board) -> JSONValue {
        let zone = board.zone
        func time(_ instant: Instant?) -> JSONValue { instant.map(zone.rfc3339).json }
        let technicians: [JSONValue] = board.rows.map { row in
            [
                "id": row.technician.id.json, "name": row.technician.name.json, "crew": row.crew.json,
                "absent": row.technician.absent.json, "depart": time(row.depart), "return": time(row.returnAt),
                "break_start": time(row.breakStart), "travel_minutes": row.travelMinutes.json, "idle_minutes": row.idleMinutes.json,
                "load_percent": row.loadPercent.json, "idle_reason": row.idleReason.json,
                "visits": .array(
                    row.visits.map { visit -> JSONValue in
                        let order = visit.order.order
                        return [
                            "order": order.id.json, "type": order.type.rawValue.json, "service": order.service.rawValue.json,
                            "tier": order.customer.tier.rawValue.json, "state": visit.order.status.json,
                            "start": zone.rfc3339(visit.start).json, "end": zone.rfc3339(visit.end).json, "contact": visit.contact.json,
                            "late": visit.late.json, "at_risk": visit.atRisk.json, "group": order.group.json, "locked": visit.locked.json,
                            "travel_minutes": visit.travelMinutes.json,
                            "window": order.window.map { ["start": zone.rfc3339($0.start).json, "end": zone.rfc3339($0.end).json] }
                                ?? .null,
                        ]
                    }),
            ]
        }
        func waiting(_ items: [Board.Waiting]) -> JSONValue {
            .array(items.map { ["order": $0.order.order.id.json, "code": $0.code.json, "reason": $0.reason.json] })
        }
        return [
            "date": board.date.description.json, "timezone": zone.identifier.json, "plan_version": board.version.json,
            "technicians": .array(technicians), "unassigned": waiting(board.unassigned), "rebooking": waiting(board.rebooking),
            "kpis": board.kpis.map { k -> JSONValue in
                [
                    "orders": k.orders.json, "assigned": k.assigned.json, "travel_minutes": k.travelMinutes.json,
                    "outsourced_orders": k.outsourcedOrders.json, "outsourced_cost": k.outsourcedCost.description.json,
                    "currency": board.currency.json, "late_repairs": board.lateRepairs.json,
                ]
            } ?? .null,
        ]
    }
}

/// Writes a chart file whole or not at all: a temporary file beside it, then a rename. `-`
/// writes to standard output. Anything at the path that is not a regular file (a device, a
/// directory, a symbolic link, a pipe) is refused, never replaced.
enum ChartFile {
    static func write(_ text: String, to path: String, option: String) throws {
        if path == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        var status = stat()
        if lstat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
            throw BadInput(
                message: "\(option) \(path): refusing to replace something that is not a regular file; "
                    + "name a new file, a regular one, or - for standard output")
        }
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
            // rename(2) replaces an existing file in one step.
            guard rename(temporary.path, target.path) == 0 else {
                throw BadInput(message: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            let reason = (error as? BadInput)?.message ?? error.localizedDescription
            throw BadInput(message: "\(option) \(path): cannot write the file (\(reason))")
        }
    }
}

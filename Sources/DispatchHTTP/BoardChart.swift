import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

/// The board as a Gantt chart in SVG: technicians on rows grouped by crew, time across with
/// hour lines, visits coloured by state over their appointment windows, travel and breaks,
/// locked visits and the customer's contact marked, the halves of a coordinated visit linked.
///
/// Rows keep a fixed height, so a day of 150 technicians makes a tall chart that scrolls rather
/// than a small one nobody can read.
public struct BoardChart {
    let board: Board

    public init(board: Board) { self.board = board }

    /// The chart's own rules (the live board's stylesheet has them too).
    static let style = "text{font-family:'DejaVu Sans',Verdana,sans-serif}.visit:hover rect.body{stroke:#000;stroke-width:2}"

    static let labelWidth = 250.0
    static let pixelsPerMinute = 1.6
    static let rowHeight = 30.0
    static let crewHeight = 24.0
    static let top = 150.0
    static let bottom = 40.0

    /// One line of the chart: a crew's heading or a technician.
    enum Line {
        case crew(String)
        case technician(Board.Row)
    }

    static let states: [(state: OrderState, colour: String, label: String)] = [
        (.scheduled, "#4c78a8", "scheduled"), (.confirmed, "#2a9d8f", "confirmed"), (.notified, "#6a4c93", "notified (locked)"),
        (.enRoute, "#f08c2e", "en route"), (.onSite, "#d4a017", "on site"), (.completed, "#2e7d32", "completed"),
        (.customerAbsent, "#8d8d8d", "customer absent"), (.transferred, "#8d6e63", "transferred"),
        (.cancelled, "#b0b0b0", "cancelled"), (.rebooking, "#c62828", "rebooking"), (.new, "#90a4ae", "new"),
    ]

    static func colour(_ state: OrderState) -> String { states.first { $0.state == state }?.colour ?? "#90a4ae" }

    /// The kinds of work, each its stripe's colour.
    static let works: [(type: WorkType, colour: String)] = [
        (.install, "#00b4d8"), (.move, "#b5179e"), (.removal, "#6c757d"), (.repair, "#ff6d00"),
    ]

    static func workColour(_ type: WorkType) -> String { works.first { $0.type == type }?.colour ?? "#ffffff" }

    var lines: [Line] {
        let crews = Dictionary(grouping: board.rows, by: { $0.crew ?? "" })
        var result: [Line] = []
        for crew in crews.keys.sorted() {
            let rows = crews[crew] ?? []
            result.append(.crew(crew.isEmpty ? "In-house (\(rows.count) technicians)" : "Contractor \(crew) (\(rows.count) technicians)"))
            result += rows.map(Line.technician)
        }
        return result
    }

    /// The hours shown: every shift, departure and return of the day, whole hours.
    var span: (start: Instant, end: Instant) {
        let zone = board.zone
        var first = Int.max
        var last = Int.min
        for row in board.rows {
            let times =
                [
                    zone.instant(on: board.date, at: row.technician.shift.start),
                    zone.instant(on: board.date, at: row.technician.shift.end),
                    row.depart, row.returnAt,
                ].compactMap { $0 } + row.visits.flatMap { [$0.start, $0.end] }
                + row.visits.compactMap { $0.order.order.window }.flatMap { [$0.start, $0.end] }
            for time in times {
                first = min(first, time.secondsSinceEpoch)
                last = max(last, time.secondsSinceEpoch)
            }
        }
        if first == Int.max {
            let start = zone.instant(on: board.date, at: LocalTime.midnight).adding(minutes: 8 * 60)
            return (start, start.adding(minutes: 10 * 60))
        }
        let midnight = zone.instant(on: board.date, at: LocalTime.midnight).secondsSinceEpoch
        let startHour = Int((Double(first - midnight) / 3600).rounded(.down))
        let endHour = Int((Double(last - midnight) / 3600).rounded(.up))
        return (
            Instant(secondsSinceEpoch: midnight + startHour * 3600),
            Instant(secondsSinceEpoch: midnight + max(endHour, startHour + 1) * 3600)
        )
    }

    var figures: String {
        let rows = board.rows
        let absent = rows.filter(\.technician.absent).count
        let visits = rows.flatMap(\.visits)
        var parts = ["plan version " + (board.version.map(String.init) ?? "–")]
        if let kpis = board.kpis { parts.append("\(kpis.assigned) of \(kpis.orders) orders planned") }
        parts.append("\(rows.count) technicians" + (absent > 0 ? " (\(absent) absent)" : ""))
        parts.append(plural(visits.count, "visit"))
        parts.append("travel \(rows.reduce(0) { $0 + $1.travelMinutes }) min")
        let present = rows.filter { !$0.technician.absent }
        let shift = present.reduce(0) { $0 + $1.shiftMinutes }
        if shift > 0 {
            parts.append("load \(present.reduce(0) { $0 + $1.workMinutes + $1.travelMinutes } * 100 / shift)%")
        }
        parts.append("\(visits.filter(\.late).count) late, \(visits.filter(\.atRisk).count) at risk")
        parts.append("\(board.unassigned.count) unassigned, \(board.rebooking.count) to rebook")
        return parts.joined(separator: " · ")
    }

    /// The chart; `styled` false leaves out its `<style>` element (a page whose stylesheet has
    /// those rules, and whose Content-Security-Policy allows no inline style).
    public func svg(styled: Bool = true) -> String {
        let (start, end) = span
        let zone = board.zone
        let width = Self.labelWidth + Double(start.minutes(until: end)) * Self.pixelsPerMinute + 30
        let lines = lines
        let bodyHeight = lines.reduce(0.0) { total, line in
            if case .crew = line { return total + Self.crewHeight }
            return total + Self.rowHeight
        }
        let height = Self.top + bodyHeight + Self.bottom
        func x(_ instant: Instant) -> Double { Self.labelWidth + Double(start.minutes(until: instant)) * Self.pixelsPerMinute }

        var out = SVGWriter()
        out.open(width: width, height: height, title: "Board of \(board.date)")
        out.raw(
            """
            <defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">\
            <rect width="6" height="6" fill="#f3f3f3"/><line x1="0" y1="0" x2="0" y2="6" stroke="#c8c8c8" stroke-width="3"/></pattern>\
            <pattern id="break" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">\
            <rect width="5" height="5" fill="#fff8e1"/><line x1="0" y1="0" x2="0" y2="5" stroke="#e0b84a" stroke-width="2"/>\
            </pattern></defs>
            """
                + "\n" + (styled ? "<style>\(Self.style)</style>\n" : "") + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>")
        out.text("Board of \(board.date) (\(zone.identifier))", x: 16, y: 30, size: 20, weight: "bold")
        out.text(figures, x: 16, y: 54, size: 13, fill: "#333")
        legend(&out, y: 78)

        // Hour lines and labels, top and bottom.
        var hour = start
        while hour <= end {
            let hx = x(hour)
            out.line(x1: hx, y1: Self.top - 14, x2: hx, y2: Self.top + bodyHeight, stroke: "#d9d9d9", width: 1)
            let label = zone.local(hour).time.description
            out.text(label, x: hx, y: Self.top - 18, size: 11, fill: "#555", anchor: "middle")
            out.text(label, x: hx, y: Self.top + bodyHeight + 16, size: 11, fill: "#555", anchor: "middle")
            hour = hour.adding(minutes: 60)
        }

        var y = Self.top
        var rowCentre: [String: Double] = [:]
        let routeIndex = Dictionary(board.rows.enumerated().map { ($0.element.technician.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var stripe = false
        for line in lines {
            switch line {
            case .crew(let title):
                out.rect(x: 0, y: y, width: width, height: Self.crewHeight, fill: "#e8edf3")
                out.text(title, x: 10, y: y + 16, size: 12, weight: "bold", fill: "#243b53")
                y += Self.crewHeight
                stripe = false
            case .technician(let row):
                if stripe { out.rect(x: 0, y: y, width: width, height: Self.rowHeight, fill: "#fafafa") }
                stripe.toggle()
                out.raw("<g class=\"technician\" data-technician=\"\(SVGWriter.escape(row.technician.id))\">")
                // The whole row takes a dropped visit (transparent, yet it catches the pointer).
                out.rect(x: 0, y: y, width: width, height: Self.rowHeight, fill: "transparent", className: "row")
                if let index = routeIndex[row.technician.id], !row.visits.isEmpty {
                    // The dot of the route's colour on the map.
                    out.raw(
                        "<circle cx=\"\(svgNumber(Self.labelWidth - 12))\" cy=\"\(svgNumber(y + Self.rowHeight / 2))\" r=\"5\" "
                            + "fill=\"\(BoardMap.colour(index))\"/>")
                }
                technician(row, y: y, x: x, into: &out)
                out.raw("</g>")
                rowCentre[row.technician.id] = y + Self.rowHeight / 2
                y += Self.rowHeight
            }
        }
        links(rowCentre: rowCentre, x: x, into: &out)
        out.close()
        return out.text
    }

    private func technician(_ row: Board.Row, y: Double, x: (Instant) -> Double, into out: inout SVGWriter) {
        let zone = board.zone
        let technician = row.technician
        let name = technician.name.map { "\(technician.id) \($0)" } ?? technician.id
        out.text(String(name.prefix(24)), x: 10, y: y + 13, size: 12, fill: "#111")
        let figures = technician.absent ? "absent" : "\(plural(row.visits.count, "visit")) · load \(row.loadPercent)%"
        out.text(figures, x: 10, y: y + 25, size: 10, fill: "#666")
        // An idle row says why, across its shift (the CLI board's reason).
        if !technician.absent, row.visits.isEmpty {
            let why = row.idleReason ?? "orders open to them went to others or fit nowhere (see Unassigned)"
            let start = x(zone.instant(on: board.date, at: technician.shift.start))
            out.rect(
                x: start, y: y + 5, width: x(zone.instant(on: board.date, at: technician.shift.end)) - start, height: Self.rowHeight - 10,
                fill: "#eef2f6", stroke: "#cfd8e3", title: "\(technician.id) idle: \(why)")
            out.text("idle: " + why, x: start + 6, y: y + Self.rowHeight / 2 + 4, size: 10, fill: "#52606d")
            return
        }
        let shiftStart = zone.instant(on: board.date, at: technician.shift.start)
        let shiftEnd = zone.instant(on: board.date, at: technician.shift.end)
        let mid = y + Self.rowHeight / 2
        if technician.absent {
            out.rect(
                x: x(shiftStart), y: y + 5, width: x(shiftEnd) - x(shiftStart), height: Self.rowHeight - 10, fill: "url(#hatch)",
                title: "\(technician.id) absent")
            out.text("absent", x: x(shiftStart) + 6, y: mid + 4, size: 11, fill: "#777")
            return
        }
        out.rect(
            x: x(shiftStart), y: y + 5, width: x(shiftEnd) - x(shiftStart), height: Self.rowHeight - 10, fill: "#eef2f6",
            stroke: "#cfd8e3", title: "\(technician.id) shift \(technician.shift.start)–\(technician.shift.end)")
        // Appointment windows behind the visits.
        for visit in row.visits {
            guard let window = visit.order.order.window else { continue }
            out.rect(
                x: x(window.start), y: y + 2, width: x(window.end) - x(window.start), height: Self.rowHeight - 4,
                fill: Self.colour(visit.order.state), opacity: 0.13, stroke: Self.colour(visit.order.state), dash: "3 2")
        }
        if let breakStart = row.breakStart, row.breakMinutes > 0 {
            out.rect(
                x: x(breakStart), y: y + 8, width: Double(row.breakMinutes) * Self.pixelsPerMinute, height: Self.rowHeight - 16,
                fill: "url(#break)", stroke: "#c99a1e",
                title: "break \(zone.local(breakStart).time)–\(zone.local(breakStart.adding(minutes: row.breakMinutes)).time)")
        }
        // Travel: the drive before each visit ends at its start (waiting shows as the gap before it).
        for visit in row.visits where visit.travelMinutes > 0 {
            out.line(
                x1: x(visit.start.adding(minutes: -visit.travelMinutes)), y1: mid, x2: x(visit.start), y2: mid,
                stroke: "#555", width: 2, dash: "4 2")
        }
        if let last = row.visits.last, row.returnTravelMinutes > 0 {
            out.line(
                x1: x(last.end), y1: mid, x2: x(last.end.adding(minutes: row.returnTravelMinutes)), y2: mid, stroke: "#555", width: 2,
                dash: "4 2")
        }
        for visit in row.visits {
            self.visit(visit, technician: technician, y: y, x: x, into: &out)
        }
    }

    private func visit(_ visit: Board.Visit, technician: Technician, y: Double, x: (Instant) -> Double, into out: inout SVGWriter) {
        let zone = board.zone
        let order = visit.order.order
        let left = x(visit.start)
        let width = max(3, x(visit.end) - left)
        let colour = Self.colour(visit.order.state)
        var tip = [
            "\(order.id) · \(order.type.rawValue) \(order.service.rawValue) · \(order.customer.tier.rawValue) · \(visit.order.status)",
            "\(zone.local(visit.start).time)–\(zone.local(visit.end).time) with \(technician.id)",
        ]
        if let window = order.window { tip.append("window \(zone.local(window.start).time)–\(zone.local(window.end).time)") }
        if visit.travelMinutes > 0 { tip.append("\(visit.travelMinutes) min travel before") }
        if let group = order.group { tip.append("coordinated visit \(group)" + (visit.contact ? ", customer's contact" : "")) }
        if visit.locked { tip.append("locked: pre-arrival notice sent") }
        if board.vipTiers.contains(order.customer.tier) { tip.append("VIP customer (\(order.customer.tier.rawValue))") }
        if visit.late { tip.append("LATE") } else if visit.atRisk { tip.append("at risk") }
        out.raw(
            "<g class=\"visit\" data-order=\"\(SVGWriter.escape(order.id))\" data-technician=\"\(SVGWriter.escape(technician.id))\" "
                + "data-state=\"\(visit.order.state.rawValue)\" data-start=\"\(SVGWriter.escape(zone.rfc3339(visit.start)))\" "
                + "data-tip=\"\(SVGWriter.escape(tip.joined(separator: "\n")))\" tabindex=\"0\" role=\"button\" "
                + "aria-label=\"\(SVGWriter.escape(tip.prefix(2).joined(separator: ", ")))\">"
                + "<title>\(SVGWriter.escape(tip.joined(separator: "\n")))</title>"
        )
        // Late is a thick black outline (rebooking is the red fill): two reds would say one thing.
        let stroke = visit.late ? "#111111" : visit.atRisk ? "#ff8c00" : "#ffffff"
        out.rect(
            x: left, y: y + 6, width: width, height: Self.rowHeight - 12, fill: colour, stroke: stroke,
            strokeWidth: visit.late ? 3 : visit.atRisk ? 2.5 : 0.8, dash: visit.atRisk ? "4 2" : nil, radius: 3, className: "body")
        // The kind of work: a stripe along the bottom edge.
        out.rect(x: left + 1, y: y + Self.rowHeight - 9, width: max(1, width - 2), height: 3, fill: Self.workColour(order.type))
        if board.vipTiers.contains(order.customer.tier) {
            // A VIP customer: a gold corner.
            out.raw(
                "<path class=\"vip\" d=\"M\(svgNumber(left + width - 9)) \(svgNumber(y + 6)) h9 v9 z\" fill=\"#ffd23f\" stroke=\"#111\" "
                    + "stroke-width=\"0.6\"/>")
        }
        if visit.locked {
            // A padlock: shackle and body, at the visit's top-left corner.
            let lx = left + 2
            let ly = y + 1
            out.raw(
                "<path class=\"lock\" d=\"M\(svgNumber(lx + 1.5)) \(svgNumber(ly + 5)) v-2 a2.5 2.5 0 0 1 5 0 v2\" fill=\"none\" "
                    + "stroke=\"#111\" stroke-width=\"1.4\"/>"
            )
            out.rect(x: lx, y: ly + 5, width: 8, height: 6, fill: "#111", radius: 1)
        }
        let label = order.id
        if width >= Double(label.count) * 6.4 + (visit.locked ? 14 : 6) {
            out.text(
                label, x: left + (visit.locked ? 12 : 4), y: y + Self.rowHeight / 2 + 4, size: 10,
                fill: visit.order.state == .onSite ? "#111" : "#ffffff")
        }
        if visit.contact && order.group != nil {
            out.raw(
                "<circle cx=\"\(svgNumber(left + width - 5))\" cy=\"\(svgNumber(y + 10))\" r=\"2.8\" fill=\"#ffffff\" stroke=\"#111\" "
                    + "stroke-width=\"0.8\"/>"
            )
        }
        out.raw("</g>")
    }

    /// The parts of each coordinated visit done by several technicians, joined at their start.
    private func links(rowCentre: [String: Double], x: (Instant) -> Double, into out: inout SVGWriter) {
        let visits = board.rows.flatMap { row in row.visits.map { (row.technician.id, $0) } }
        let groups = Dictionary(grouping: visits.filter { $0.1.order.order.group != nil }, by: { $0.1.order.order.group ?? "" })
        for group in groups.keys.sorted() {
            let parts = (groups[group] ?? []).compactMap { part in rowCentre[part.0].map { ($0, part.1) } }.sorted { $0.0 < $1.0 }
            guard parts.count > 1, let first = parts.first, let last = parts.last, first.0 != last.0 else { continue }
            let lx = x(first.1.start) + 1.5
            // Thin and translucent: on a large day a link crosses other technicians' rows.
            out.raw(
                "<line class=\"link\" x1=\"\(svgNumber(lx))\" y1=\"\(svgNumber(first.0))\" x2=\"\(svgNumber(lx))\" "
                    + "y2=\"\(svgNumber(last.0))\" "
                    + "stroke=\"#7b1fa2\" stroke-width=\"1.6\" stroke-opacity=\"0.6\" stroke-dasharray=\"5 3\"/>")
            for part in parts {
                out.raw(
                    "<circle cx=\"\(svgNumber(lx))\" cy=\"\(svgNumber(part.0))\" r=\"3.5\" fill=\"#7b1fa2\"><title>coordinated visit "
                        + "\(SVGWriter.escape(group))</title></circle>"
                )
            }
        }
    }

    private func legend(_ out: inout SVGWriter, y: Double) {
        var lx = 16.0
        for item in Self.states
        where [.scheduled, .confirmed, .notified, .enRoute, .onSite, .completed, .customerAbsent, .rebooking].contains(item.state) {
            out.rect(x: lx, y: y - 10, width: 14, height: 12, fill: item.colour, radius: 2)
            out.text(item.label, x: lx + 19, y: y, size: 11, fill: "#333")
            lx += 26 + Double(item.label.count) * 6.3
        }
        lx += 14
        for work in Self.works {
            out.rect(x: lx, y: y - 6, width: 18, height: 4, fill: work.colour)
            out.text(work.type.rawValue, x: lx + 23, y: y, size: 11, fill: "#333")
            lx += 32 + Double(work.type.rawValue.count) * 6.3
        }
        out.raw(
            "<path d=\"M\(svgNumber(lx)) \(svgNumber(y - 10)) h10 v10 z\" fill=\"#ffd23f\" stroke=\"#111\" stroke-width=\"0.6\"/>")
        out.text("VIP customer", x: lx + 15, y: y, size: 11, fill: "#333")
        lx = 16
        let y2 = y + 24
        out.rect(x: lx, y: y2 - 11, width: 34, height: 14, fill: "#4c78a8", opacity: 0.13, stroke: "#4c78a8", dash: "3 2")
        out.text("appointment window", x: lx + 40, y: y2, size: 11, fill: "#333")
        lx += 170
        out.line(x1: lx, y1: y2 - 4, x2: lx + 30, y2: y2 - 4, stroke: "#555", width: 2, dash: "4 2")
        out.text("travel", x: lx + 36, y: y2, size: 11, fill: "#333")
        lx += 85
        out.rect(x: lx, y: y2 - 10, width: 26, height: 12, fill: "url(#break)", stroke: "#c99a1e")
        out.text("break", x: lx + 32, y: y2, size: 11, fill: "#333")
        lx += 80
        out.rect(x: lx, y: y2 - 10, width: 26, height: 12, fill: "#4c78a8", stroke: "#111111", strokeWidth: 3, radius: 3)
        out.text("late", x: lx + 32, y: y2, size: 11, fill: "#333")
        lx += 70
        out.rect(x: lx, y: y2 - 10, width: 26, height: 12, fill: "#4c78a8", stroke: "#ff8c00", strokeWidth: 2.5, dash: "4 2", radius: 3)
        out.text("at risk", x: lx + 32, y: y2, size: 11, fill: "#333")
        lx += 85
        out.raw(
            "<path d=\"M\(svgNumber(lx + 1.5)) \(svgNumber(y2 - 6)) v-2 a2.5 2.5 0 0 1 5 0 v2\" fill=\"none\" stroke=\"#111\" "
                + "stroke-width=\"1.4\"/>"
        )
        out.rect(x: lx, y: y2 - 6, width: 8, height: 6, fill: "#111", radius: 1)
        out.text("locked (notice sent)", x: lx + 14, y: y2, size: 11, fill: "#333")
        lx += 150
        out.line(x1: lx + 4, y1: y2 - 14, x2: lx + 4, y2: y2 + 4, stroke: "#7b1fa2", width: 2.2, dash: "5 3")
        out.raw(
            "<circle cx=\"\(svgNumber(lx + 4))\" cy=\"\(svgNumber(y2 - 14))\" r=\"3.5\" fill=\"#7b1fa2\"/><circle "
                + "cx=\"\(svgNumber(lx + 4))\" cy=\"\(svgNumber(y2 + 4))\" r=\"3.5\" fill=\"#7b1fa2\"/>"
        )
        out.text("coordinated visit (several technicians)", x: lx + 14, y: y2, size: 11, fill: "#333")
        lx += 250
        out.raw(
            "<circle cx=\"\(svgNumber(lx + 5))\" cy=\"\(svgNumber(y2 - 4))\" r=\"2.8\" fill=\"#ffffff\" stroke=\"#111\" "
                + "stroke-width=\"0.8\"/>"
        )
        out.text("customer's contact", x: lx + 14, y: y2, size: 11, fill: "#333")
    }
}

/// Builds SVG text; numbers with at most one decimal, text escaped.
struct SVGWriter {
    private(set) var text = ""

    static func escape(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\n": result += "&#10;"
            default: result.append(character)
            }
        }
        return result
    }

    mutating func raw(_ value: String) { text += value + "\n" }

    mutating func open(width: Double, height: Double, title: String) {
        raw(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" viewBox=\"0 0 "
                + "\(svgNumber(width)) \(svgNumber(height))\" role=\"img\">"
        )
        raw("<title>\(Self.escape(title))</title>")
    }

    mutating func close() { raw("</svg>") }

    mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, opacity: Double? = nil, stroke: String? = nil,
        strokeWidth: Double = 1, dash: String? = nil, radius: Double? = nil, className: String? = nil, title: String? = nil
    ) {
        var attributes =
            "x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(max(0, width)))\" "
            + "height=\"\(svgNumber(max(0, height)))\" fill=\"\(fill)\""
        if let opacity { attributes += " fill-opacity=\"\(svgNumber(opacity))\"" }
        if let stroke { attributes += " stroke=\"\(stroke)\" stroke-width=\"\(svgNumber(strokeWidth))\"" }
        if let dash { attributes += " stroke-dasharray=\"\(dash)\"" }
        if let radius { attributes += " rx=\"\(svgNumber(radius))\"" }
        if let className { attributes += " class=\"\(className)\"" }
        if let title { raw("<rect \(attributes)><title>\(Self.escape(title))</title></rect>") } else { raw("<rect \(attributes)/>") }
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double, dash: String? = nil) {
        raw(
            "<line x1=\"\(svgNumber(x1))\" y1=\"\(svgNumber(y1))\" x2=\"\(svgNumber(x2))\" y2=\"\(svgNumber(y2))\" "
                + "stroke=\"\(stroke)\" stroke-width=\"\(svgNumber(width))\""
                + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>")
    }

    mutating func text(
        _ value: String, x: Double, y: Double, size: Double, weight: String? = nil, fill: String = "#000",
        anchor: String? = nil
    ) {
        raw(
            "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" font-size=\"\(svgNumber(size))\" fill=\"\(fill)\""
                + (weight.map { " font-weight=\"\($0)\"" } ?? "") + (anchor.map { " text-anchor=\"\($0)\"" } ?? "")
                + ">\(Self.escape(value))</text>")
    }
}

/// An SVG coordinate with at most one decimal and no trailing ".0".
func svgNumber(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
}

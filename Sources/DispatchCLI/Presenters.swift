import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

/// `text` broken at spaces into lines of at most `width` columns; the lines after the first are
/// indented `indent` spaces past the text's own leading spaces (a longer word stays whole).
func wrapped(_ text: String, width: Int = TextTable.width, indent: Int = 4) -> String {
    let lead = text.prefix { $0 == " " }.count
    var lines: [String] = []
    var current = ""
    for word in text.dropFirst(lead).split(separator: " ") {
        let room = width - lead - (lines.isEmpty ? 0 : indent)
        if !current.isEmpty && current.count + 1 + word.count > room {
            lines.append(current)
            current = String(word)
        } else {
            current = current.isEmpty ? String(word) : current + " " + word
        }
    }
    lines.append(current)
    return lines.enumerated().map { index, line in String(repeating: " ", count: lead + (index == 0 ? 0 : indent)) + line }
        .joined(separator: "\n")
}

/// `640 CNY`: an amount with its currency, as every table and summary shows money.
func amount(_ money: Money, _ currency: String) -> String { "\(money) \(currency)" }

extension PlanKPIs {
    /// `12 of 14 orders planned, 180 min travel, 2 outsourced (190 CNY)`: the figures the board
    /// and the plan table end with.
    func figures(currency: String) -> String {
        "\(assigned) of \(orders) orders planned, \(travelMinutes) min travel, \(outsourcedOrders) outsourced "
            + "(\(amount(outsourcedCost, currency)))"
    }
}

/// Left-aligned columns separated by two spaces, with a header rule, fitted to 100 columns.
/// When the rows are wider, the `optional` columns are left out (in the order given), then the
/// free-text columns (names, customers, reasons: `flexible`) are cut, ending in "…", down to
/// their header or 12 characters; a last line says so. `wide` (the commands' `--wide`) prints
/// every column whole.
struct TextTable {
    let header: [String]
    let rows: [[String]]
    var wide = false
    /// Headers of columns dropped first when the table is too wide.
    var optional: [String] = []

    static let width = 100
    static let flexible: Set<String> = [
        "NAME", "CUSTOMER", "REASON", "SKILLS", "TERRITORIES", "ADDRESS", "NOTES", "CHANGE", "LAST ERROR",
        "CAUSE", "WORK",
    ]

    func render() -> String {
        var shown = Array(header.indices)
        func widths(_ columns: [Int]) -> [Int] {
            columns.map { column in rows.reduce(header[column].count) { max($0, column < $1.count ? $1[column].count : 0) } }
        }
        func total(_ widths: [Int]) -> Int { widths.reduce(0, +) + 2 * max(0, widths.count - 1) }
        var sizes = widths(shown)
        var trimmed = false
        if !wide {
            for name in optional where total(sizes) > Self.width {
                guard let column = header.firstIndex(of: name) else { continue }
                shown.removeAll { $0 == column }
                sizes = widths(shown)
                trimmed = true
            }
            while total(sizes) > Self.width {
                let candidates = shown.indices.filter {
                    Self.flexible.contains(header[shown[$0]]) && sizes[$0] > max(header[shown[$0]].count, 12)
                }
                guard let widest = candidates.max(by: { sizes[$0] < sizes[$1] }) else { break }
                sizes[widest] -= 1
                trimmed = true
            }
        }
        func fit(_ cell: String, _ width: Int) -> String {
            cell.count <= width ? cell : String(cell.prefix(max(0, width - 1))) + "…"
        }
        func line(_ cells: [String]) -> String {
            shown.enumerated().map { position, column in
                let cell = fit(column < cells.count ? cells[column] : "", sizes[position])
                return position == shown.count - 1 ? cell : cell.padding(toLength: sizes[position], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression)
        }
        var rule = Array(repeating: "", count: header.count)
        for (position, column) in shown.enumerated() { rule[column] = String(repeating: "-", count: sizes[position]) }
        var lines = [line(header), line(rule)] + rows.map(line)
        if trimmed { lines.append("(narrowed to \(Self.width) columns: --wide shows every column whole)") }
        return lines.joined(separator: "\n")
    }
}

/// Stable, pretty JSON for scripts: keys sorted, slashes unescaped.
enum JSONOutput {
    static func render(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

struct OrderPresenter {
    let zone: ServiceTimeZone

    static let header = [
        "ORDER", "TYPE", "SERVICE", "CUSTOMER", "TIER", "WINDOW", "MIN", "TERRITORY", "GROUP", "FIXED", "STATUS",
        "PLANNED", "DEADLINE",
    ]

    func row(_ line: OrderLine) -> [String] {
        let order = line.stored.order
        let window = order.window.map { "\(zone.local($0.start).time)–\(zone.local($0.end).time)" } ?? "any"
        var fixed = "-"
        if let lock = order.lock {
            fixed = "locked \(lock.technicianID) \(zone.local(lock.start).time)"
        } else if let pin = order.pin {
            fixed = "pinned \(pin.technicianID)" + (pin.start.map { " \(zone.local($0).time)" } ?? "")
        }
        let planned = line.visit.map { "\($0.technician) \(zone.local($0.start).time)" } ?? "-"
        var deadline = line.deadline.map { short($0) } ?? "-"
        if line.deadlinePaused { deadline += " (paused)" }
        if line.late { deadline += " LATE" }
        return [
            order.id, order.type.rawValue, order.service.rawValue, order.customer.name ?? order.customer.id,
            order.customer.tier.rawValue, window, String(order.durationMinutes), order.territory ?? "-",
            order.group ?? "-", fixed, line.stored.status, planned, deadline,
        ]
    }

    /// `09:30`, or `11-24 09:30` when on another day than the order's.
    private func short(_ instant: Instant) -> String {
        let (date, time) = zone.local(instant)
        return String(format: "%02d-%02d %@", date.month, date.day, time.description)
    }

    func json(_ line: OrderLine) -> [String: Any] {
        let stored = line.stored
        let order = stored.order
        var customer: [String: Any] = ["id": order.customer.id, "tier": order.customer.tier.rawValue]
        customer["name"] = order.customer.name
        customer["phone"] = order.customer.phone
        var object: [String: Any] = [
            "id": order.id, "type": order.type.rawValue, "service": order.service.rawValue, "skills": order.skills,
            "customer": customer, "duration_minutes": order.durationMinutes, "status": stored.status,
            "date": stored.serviceDay.description, "late": line.late,
        ]
        var location: [String: Any] = ["lat": order.location.latitude, "lon": order.location.longitude]
        location["address"] = order.address
        object["location"] = location
        object["territory"] = order.territory
        object["group"] = order.group
        object["window"] = order.window.map { ["start": zone.rfc3339($0.start), "end": zone.rfc3339($0.end)] }
        object["reported_at"] = order.reportedAt.map {
            zone.rfc3339(Instant(secondsSinceEpoch: $0.secondsSinceEpoch - stored.deadlinePausedSeconds))
        }
        object["deadline"] = line.deadline.map(zone.rfc3339)
        object["deadline_paused"] = line.deadline == nil ? nil : line.deadlinePaused
        object["planned"] = line.visit.map { ["technician": $0.technician, "start": zone.rfc3339($0.start), "end": zone.rfc3339($0.end)] }
        if let pin = order.pin {
            var pinned: [String: Any] = ["technician": pin.technicianID]
            pinned["start"] = pin.start.map(zone.rfc3339)
            object["pinned"] = pinned
        }
        object["locked"] = order.lock.map { ["technician": $0.technicianID, "start": zone.rfc3339($0.start)] }
        return object
    }
}

enum TechnicianPresenter {
    static let header = ["TECHNICIAN", "NAME", "CREW", "SKILLS", "CERTIFIED UNTIL", "SHIFT", "TERRITORIES"]

    static func row(_ technician: Technician) -> [String] {
        [
            technician.id, technician.name ?? "-", technician.crewID ?? "in-house",
            technician.skills.joined(separator: ","), technician.certifiedUntil?.description ?? "not certified",
            "\(technician.shift.start)–\(technician.shift.end)", technician.territories?.joined(separator: ",") ?? "any",
        ]
    }

    static func json(_ technician: Technician) -> [String: Any] {
        var object: [String: Any] = [
            "id": technician.id, "skills": technician.skills,
            "shift": ["start": technician.shift.start.description, "end": technician.shift.end.description],
            "start": ["lat": technician.startLocation.latitude, "lon": technician.startLocation.longitude],
            "end": ["lat": technician.endLocation.latitude, "lon": technician.endLocation.longitude],
        ]
        object["name"] = technician.name
        object["crew"] = technician.crewID
        object["certified_until"] = technician.certifiedUntil?.description
        object["territories"] = technician.territories
        return object
    }
}

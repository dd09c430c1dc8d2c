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

/// `prefix` then `text`, the text wrapped at spaces so every line fits the terminal and its
/// further lines start under its first word (a column of reasons beside ids).
func hanging(_ prefix: String, _ text: String) -> String {
    let room = max(20, TextTable.width - prefix.count)
    let pad = String(repeating: " ", count: prefix.count)
    return TextTable.wrap(text, room).enumerated().map { ($0.offset == 0 ? prefix : pad) + $0.element }.joined(separator: "\n")
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

/// Left-aligned columns separated by two spaces, with a header rule, fitted to the terminal's
/// width (`COLUMNS`, else 100). When the rows are wider, the `optional` columns are left out (in
/// the order given, and a last line says which: `--wide` shows them), then the free-text columns
/// (names, customers, addresses, reasons: `flexible`) are narrowed down to their header or 12
/// characters and their cells wrapped at spaces onto further lines, as the board wraps its text;
/// a table still too wide (many figures side by side) is printed in parts, each with the first
/// column again. `wide` (the commands' `--wide`) prints every column whole on one line.
struct TextTable {
    let header: [String]
    let rows: [[String]]
    var wide = false
    /// Headers of columns dropped first when the table is too wide.
    var optional: [String] = []

    /// The terminal's width: `COLUMNS` when it is a number from 40 to 500, else 100.
    static let width: Int = {
        guard let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), (40...500).contains(columns)
        else { return 100 }
        return columns
    }()
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
        var dropped: [String] = []
        if !wide {
            for name in optional where total(sizes) > Self.width {
                guard let column = header.firstIndex(of: name) else { continue }
                shown.removeAll { $0 == column }
                sizes = widths(shown)
                dropped.append(name)
            }
            while total(sizes) > Self.width {
                let candidates = shown.indices.filter {
                    Self.flexible.contains(header[shown[$0]]) && sizes[$0] > max(header[shown[$0]].count, 12)
                }
                guard let widest = candidates.max(by: { sizes[$0] < sizes[$1] }) else { break }
                sizes[widest] -= 1
            }
        }
        // Parts of the columns that fit side by side, each but the first led by the first column.
        var parts: [[Int]] = [Array(shown.indices)]
        if !wide && total(sizes) > Self.width && shown.count > 2 {
            parts = [[0]]
            for position in shown.indices.dropFirst() {
                let part = parts[parts.count - 1]
                if part.count > 1 && total((part + [position]).map { sizes[$0] }) > Self.width {
                    parts.append([0, position])
                } else {
                    parts[parts.count - 1].append(position)
                }
            }
        }
        func lines(_ cells: [String], _ part: [Int]) -> [String] {
            let pieces = part.map { position in
                let column = shown[position]
                return Self.wrap(column < cells.count ? cells[column] : "", sizes[position])
            }
            let height = pieces.map(\.count).max() ?? 1
            return (0..<height).map { line in
                part.enumerated().map { index, position in
                    let cell = line < pieces[index].count ? pieces[index][line] : ""
                    return index == part.count - 1 ? cell : cell.padding(toLength: sizes[position], withPad: " ", startingAt: 0)
                }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression)
            }
        }
        var output: [String] = []
        for (index, part) in parts.enumerated() {
            if index > 0 { output.append("") }
            let rule = header.indices.map { column in
                shown.firstIndex(of: column).map { String(repeating: "-", count: sizes[$0]) } ?? ""
            }
            output += lines(header, part) + lines(rule, part) + rows.flatMap { lines($0, part) }
        }
        if !dropped.isEmpty {
            output.append("(\(dropped.joined(separator: ", ")) left out to fit \(Self.width) columns: --wide shows every column)")
        }
        return output.joined(separator: "\n")
    }

    /// `text` in lines of at most `width` characters, broken at spaces (a longer word is broken
    /// where the line ends).
    static func wrap(_ text: String, _ width: Int) -> [String] {
        guard text.count > width, width > 0 else { return [text] }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            var word = Substring(word)
            if !current.isEmpty && current.count + 1 + word.count <= width {
                current += " " + word
                continue
            }
            if !current.isEmpty { lines.append(current) }
            while word.count > width {
                lines.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            current = String(word)
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}

/// Stable, pretty JSON for scripts: keys sorted, slashes unescaped.
enum JSONOutput {
    static func render(_ value: some JSONRepresentable) -> String {
        value.json.text(pretty: true)
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

    /// An order as `orders list --format json` prints it; keys without a value are left out.
    func json(_ line: OrderLine) -> [String: JSONValue] {
        let stored = line.stored
        let order = stored.order
        var customer: [String: JSONValue] = ["id": order.customer.id.json, "tier": order.customer.tier.rawValue.json]
        customer["name"] = order.customer.name?.json
        customer["phone"] = order.customer.phone?.json
        var location: [String: JSONValue] = ["lat": order.location.latitude.json, "lon": order.location.longitude.json]
        location["address"] = order.address?.json
        var object: [String: JSONValue] = [
            "id": order.id.json, "type": order.type.rawValue.json, "service": order.service.rawValue.json, "skills": order.skills.json,
            "customer": .object(customer), "duration_minutes": order.durationMinutes.json, "status": stored.status.json,
            "date": stored.serviceDay.description.json, "late": line.late.json, "location": .object(location),
        ]
        object["territory"] = order.territory?.json
        object["group"] = order.group?.json
        object["window"] = order.window.map { ["start": zone.rfc3339($0.start).json, "end": zone.rfc3339($0.end).json] }
        object["reported_at"] = order.reportedAt.map {
            zone.rfc3339(Instant(secondsSinceEpoch: $0.secondsSinceEpoch - stored.deadlinePausedSeconds)).json
        }
        if let deadline = line.deadline {
            object["deadline"] = zone.rfc3339(deadline).json
            object["deadline_paused"] = line.deadlinePaused.json
        }
        object["planned"] = line.visit.map {
            ["technician": $0.technician.json, "start": zone.rfc3339($0.start).json, "end": zone.rfc3339($0.end).json]
        }
        if let pin = order.pin {
            var pinned: [String: JSONValue] = ["technician": pin.technicianID.json]
            pinned["start"] = pin.start.map { zone.rfc3339($0).json }
            object["pinned"] = .object(pinned)
        }
        object["locked"] = order.lock.map { ["technician": $0.technicianID.json, "start": zone.rfc3339($0.start).json] }
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

    /// A technician as `technicians list --format json` prints one; keys without a value are left out.
    static func json(_ technician: Technician) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "id": technician.id.json, "skills": technician.skills.json,
            "shift": ["start": technician.shift.start.description.json, "end": technician.shift.end.description.json],
            "start": ["lat": technician.startLocation.latitude.json, "lon": technician.startLocation.longitude.json],
            "end": ["lat": technician.endLocation.latitude.json, "lon": technician.endLocation.longitude.json],
        ]
        object["name"] = technician.name?.json
        object["crew"] = technician.crewID?.json
        object["certified_until"] = technician.certifiedUntil?.description.json
        object["territories"] = technician.territories?.json
        return object
    }
}

import Foundation
import SchedulingCore
import Yams

/// Where `travel.file` was given (a streamed file checks it after the orders, when the parser
/// has moved on: its place is kept).
struct MatrixSpec {
    let path: String
    let fallback: Bool
    let line: Int?
    var column: Int?
}

extension ScenarioBuilder {
    /// `travel.file` (`model: matrix`): CSV records `from,to,seconds[,meters]` as RFC 4180 has
    /// them (CRLF or LF, quoted fields, a byte-order mark; a first line starting `from,` is a
    /// header), keys as in `RoadLegs.places`, the path relative to the scenario
    /// file. Every pair of distinct places must be there unless `fallback: haversine`.
    func readMatrix(
        _ spec: MatrixSpec, technicians: [Technician],
        orders: [(id: String, place: GeoPoint)]
    ) -> RoadLegs? {
        let field = "travel.file"
        let base = URL(fileURLWithPath: diagnostics.file).deletingLastPathComponent()
        let url = spec.path.hasPrefix("/") ? URL(fileURLWithPath: spec.path) : base.appendingPathComponent(spec.path)
        guard let data = try? Data(contentsOf: url) else {
            diagnostics.report(line: spec.line, column: spec.column, field, "cannot read the matrix file \(url.path)")
            return nil
        }
        let places = RoadLegs.places(technicians: technicians, orders: orders)
        let byKey = RoadLegs.placesByKey(places)
        var rows: [RoadLegs.Row] = []
        // Each pair's first line and leg: a pair given again must say the same.
        var seen: [String: (line: Int, leg: RoadLegs.Leg)] = [:]
        var problems = 0
        func bad(_ line: Int, _ message: String) {
            problems += 1
            if problems <= 5 { diagnostics.report(line: spec.line, column: spec.column, field, "\(spec.path):\(line): \(message)") }
        }
        CSVRecords.read(data) { record in
            let cells = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.count == 1 && cells[0].isEmpty { return }
            if record.line == 1 && cells.first?.lowercased() == "from" { return }
            guard cells.count == 3 || cells.count == 4 else {
                bad(record.line, "expected from,to,seconds[,meters], found \(cells.count) fields")
                return
            }
            for key in cells.prefix(2) where byKey[key] == nil {
                bad(record.line, "\(key.quotedForMessage()) is no order or technician of the scenario")
                return
            }
            guard let seconds = Self.decimal(cells[2]), seconds < 86_400 else {
                bad(record.line, "\(cells[2].quotedForMessage()) is not a number of seconds from 0 to 86399 (digits and a decimal point)")
                return
            }
            var meters: Int?
            if cells.count == 4, !cells[3].isEmpty {
                guard let value = Self.decimal(cells[3]), value <= RoadLegs.Leg.maxMetres else {
                    bad(
                        record.line,
                        "\(cells[3].quotedForMessage()) is not a number of metres from 0 to \(Int(RoadLegs.Leg.maxMetres)) "
                            + "(digits and a decimal point)")
                    return
                }
                meters = Int(value.rounded())
            }
            let leg = RoadLegs.Leg(seconds: Int(seconds.rounded(.up)), meters: meters)
            let pair = cells[0] + "\u{0}" + cells[1]
            if let earlier = seen[pair] {
                if earlier.leg != leg {
                    bad(
                        record.line,
                        "\(cells[0])→\(cells[1]) is given again with other values (line \(earlier.line) says \(earlier.leg.seconds) s"
                            + "\(earlier.leg.meters.map { ", \($0) m" } ?? "")): keep one line a pair")
                }
                return
            }
            seen[pair] = (record.line, leg)
            rows.append(RoadLegs.Row(from: cells[0], to: cells[1], leg: leg))
        } malformed: { problem in
            bad(problem.line, "not CSV as RFC 4180 writes it: \(problem.message)")
        }
        if problems > 5 {
            diagnostics.report(line: spec.line, column: spec.column, field, "\(spec.path): \(problems - 5) more lines like these")
        }
        let legs = RoadLegs(source: "matrix \(spec.path)", fallback: spec.fallback, rows: rows, places: byKey)
        if !spec.fallback {
            var missing: [String] = []
            var count = 0
            for a in places {
                for b in places where a.place != b.place && legs.leg(from: a.place, to: b.place) == nil {
                    count += 1
                    if missing.count < 5 { missing.append("\(a.key)→\(b.key)") }
                }
            }
            if count > 0 {
                diagnostics.report(
                    line: spec.line, column: spec.column, field,
                    "\(spec.path) lacks \(count) pair\(count == 1 ? "" : "s") of places (\(missing.joined(separator: ", "))"
                        + "\(count > missing.count ? ", …" : "")); add them, or set fallback: haversine to use straight lines for those")
            }
        }
        return legs
    }

    /// A plain decimal number (`12`, `12.5`): digits with at most one point between digits.
    /// Swift's `Double("0x384")` reads hex, `"1e3"` and `"nan"` too; a matrix file means none of these.
    static func decimal(_ text: String) -> Double? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.count <= 15 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        return Double(text)
    }
}

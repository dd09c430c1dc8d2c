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
    /// `travel.file` (`model: matrix`): CSV lines `from,to,seconds[,meters]` (a first line
    /// starting `from,` is a header), keys as in `RoadLegs.places`, the path relative to the scenario
    /// file. Every pair of distinct places must be there unless `fallback: haversine`.
    func readMatrix(
        _ spec: MatrixSpec, technicians: [Technician],
        orders: [(id: String, place: GeoPoint)]
    ) -> RoadLegs? {
        let field = "travel.file"
        let base = URL(fileURLWithPath: diagnostics.file).deletingLastPathComponent()
        let url = spec.path.hasPrefix("/") ? URL(fileURLWithPath: spec.path) : base.appendingPathComponent(spec.path)
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            diagnostics.report(line: spec.line, column: spec.column, field, "cannot read the matrix file \(url.path)")
            return nil
        }
        let places = RoadLegs.places(technicians: technicians, orders: orders)
        let byKey = RoadLegs.placesByKey(places)
        var rows: [RoadLegs.Row] = []
        var problems = 0
        func bad(_ line: Int, _ message: String) {
            problems += 1
            if problems <= 5 { diagnostics.report(line: spec.line, column: spec.column, field, "\(spec.path):\(line): \(message)") }
        }
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || (index == 0 && line.hasPrefix("from,")) { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3 || cells.count == 4 else {
                bad(index + 1, "expected from,to,seconds[,meters], found \(cells.count) fields")
                continue
            }
            guard byKey[cells[0]] != nil else {
                bad(index + 1, "'\(cells[0])' is no order or technician of the scenario")
                continue
            }
            guard byKey[cells[1]] != nil else {
                bad(index + 1, "'\(cells[1])' is no order or technician of the scenario")
                continue
            }
            guard let seconds = Double(cells[2]), seconds >= 0, seconds < 86_400 else {
                bad(index + 1, "'\(cells[2])' is not a number of seconds from 0 to 86399")
                continue
            }
            var meters: Int?
            if cells.count == 4, !cells[3].isEmpty {
                guard let value = Double(cells[3]), value >= 0 else {
                    bad(index + 1, "'\(cells[3])' is not a number of metres")
                    continue
                }
                meters = Int(value.rounded())
            }
            rows.append(RoadLegs.Row(from: cells[0], to: cells[1], leg: RoadLegs.Leg(seconds: Int(seconds.rounded(.up)), meters: meters)))
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
}

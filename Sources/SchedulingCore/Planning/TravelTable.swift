import Foundation
import Synchronization

/// Base travel minutes between the places of a day, worked out once and shared by every problem
/// built on the same travel model in the process.
///
/// A reaction to a status report builds several trial problems of one day (the kept day, the
/// work put back, the unassigned orders' codes), each over a thousand or more places; each
/// worked the straight-line minutes of every pair out again (about a fifth of a reaction on a
/// 2,000-order day, found by a profile of `dispatch simulate`). A table is built for the places a
/// problem asks for (and those of a table it grows from, `TravelTables.table`); a later problem on
/// the same model takes its pairs from it and works out only the pairs of places the table lacks.
/// The minutes are those of `TravelModel.minutes(from:to:)`, the same numbers either way.
final class TravelTable: Sendable {
    /// A problem with fewer places works its pairs out directly (a test, a small unit).
    static let minPlaces = 64
    /// The most places one table holds (3,000: 36 MB).
    static let maxPlaces = 3_000
    let model: TravelModel
    let points: [GeoPoint]
    let index: [GeoPoint: Int]
    let minutes: [Int32]

    init(model: TravelModel, points: [GeoPoint]) {
        self.model = model
        self.points = points
        index = Dictionary(points.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        minutes = Self.direct(points, model: model)
    }

    /// `table` with `more` places (none of them in it): its pairs copied, only the pairs that
    /// touch a new place worked out (a call centre's offers grow a day's table a territory at a
    /// time; working the whole table out again each time was most of an offer).
    init(growing table: TravelTable, by more: [GeoPoint]) {
        model = table.model
        points = table.points + more
        index = Dictionary(points.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let old = table.points.count
        let count = points.count
        var matrix = [Int32](repeating: 0, count: count * count)
        table.minutes.withUnsafeBufferPointer { known in
            matrix.withUnsafeMutableBufferPointer { matrix in
                for a in 0..<old {
                    for b in 0..<old { matrix[a * count + b] = known[a * old + b] }
                }
            }
        }
        let points = points
        let model = model
        let cosines = points.map { cos($0.latitude * TravelModel.radian) }
        for a in 0..<count {
            for b in max(old, a + 1)..<count {
                matrix[a * count + b] = Self.pair(points, a, b, model: model, cosines: cosines)
                matrix[b * count + a] = model.legs == nil ? matrix[a * count + b] : Self.pair(points, b, a, model: model, cosines: cosines)
            }
        }
        minutes = matrix
    }

    /// Minutes from `points[a]` to `points[b]`, as `direct` works them out.
    private static func pair(_ points: [GeoPoint], _ a: Int, _ b: Int, model: TravelModel, cosines: [Double]) -> Int32 {
        guard model.legs == nil else { return Int32(clamping: model.minutes(from: points[a], to: points[b])) }
        guard points[a] != points[b] else { return 0 }
        return Int32(
            clamping: model.straightMinutes(TravelModel.greatCircleKm(points[a], points[b], cosA: cosines[a], cosB: cosines[b])))
    }

    /// Bytes the table holds.
    var bytes: Int { minutes.count * MemoryLayout<Int32>.stride }

    /// Every pair of `points` worked out from the model: straight lines are symmetric, a road
    /// matrix need not be (one-way streets).
    static func direct(_ points: [GeoPoint], model: TravelModel) -> [Int32] {
        let count = points.count
        var matrix = [Int32](repeating: 0, count: count * count)
        guard model.legs == nil else {
            for a in points.indices {
                for b in points.indices where b != a {
                    matrix[a * count + b] = Int32(clamping: model.minutes(from: points[a], to: points[b]))
                }
            }
            return matrix
        }
        // Straight lines, symmetric: each latitude's cosine once a place, not twice a pair (the
        // same numbers as `TravelModel.minutes`, worked the same way).
        let cosines = points.map { cos($0.latitude * TravelModel.radian) }
        for a in points.indices {
            for b in points.indices where b > a {
                let minutes = pair(points, a, b, model: model, cosines: cosines)
                matrix[a * count + b] = minutes
                matrix[b * count + a] = minutes
            }
        }
        return matrix
    }
}

/// The travel tables of a process (`shared`), the most recently used first.
final class TravelTables: Sendable {
    static let shared = TravelTables()

    /// Bytes of tables kept: the days (and models) a process works on at once. A call centre's
    /// slot offer reads fourteen days at once (2,000 orders a day: a table of 18 MB each); kept
    /// by count (three) they pushed each other out, and each offer worked every day's travel out
    /// again (most of its time, found by a profile of `bench/booking.sh`).
    let budget: Int
    /// Tables kept whatever their size (a process planning a few large days).
    let least: Int
    private let tables = Mutex<[TravelTable]>([])

    init(budget: Int = 512 << 20, least: Int = 3) {
        self.budget = budget
        self.least = least
    }

    /// Makes sure a table holds every place of `day` (its technicians' homes, its orders).
    func prepare(_ day: Scenario) {
        var seen = Set<GeoPoint>()
        let points = (day.technicians.flatMap { [$0.startLocation, $0.endLocation] } + day.orders.map(\.location))
            .filter { seen.insert($0).inserted }
        guard points.count >= TravelTable.minPlaces else { return }
        _ = table(covering: points, model: day.travel)
    }

    /// The base minutes between every pair of `points` (distinct), `matrix[a * points.count + b]`.
    func matrix(_ points: [GeoPoint], model: TravelModel) -> [Int32] {
        guard points.count >= TravelTable.minPlaces else { return TravelTable.direct(points, model: model) }
        let table = self.table(covering: points, model: model)
        let count = points.count
        let rows = points.map { table.index[$0] ?? -1 }
        let size = table.points.count
        var matrix = [Int32](repeating: 0, count: count * count)
        table.minutes.withUnsafeBufferPointer { known in
            matrix.withUnsafeMutableBufferPointer { matrix in
                for a in 0..<count {
                    let row = rows[a]
                    for b in 0..<count where b != a {
                        let column = rows[b]
                        matrix[a * count + b] =
                            row >= 0 && column >= 0
                            ? known[row * size + column]
                            : Int32(clamping: model.minutes(from: points[a], to: points[b]))
                    }
                }
            }
        }
        return matrix
    }

    /// A table of the model holding nearly all of `points` (distinct): one kept, or a new one.
    /// A new one grows from the kept table nearest to it (its pairs copied) when that holds at
    /// least half of the places and growing at most doubles it (a re-plan's trials of one day:
    /// the visits kept, then the orders left unassigned), else holds only these places (another
    /// day: two days never share a table, and a table never grows without bound).
    func table(covering points: [GeoPoint], model: TravelModel) -> TravelTable {
        let candidates = tables.withLock { tables in tables.filter { $0.model.sameBaseTimes(as: model) } }
        // The most recently used table that will do, looked at until it is known not to (a slot
        // offer asks for each of fourteen days, each table a different day's).
        let allowed = max(8, points.count / 20)
        if let found = candidates.first(where: { table in
            var missing = 0
            for point in points where table.index[point] == nil {
                missing += 1
                if missing > allowed { return false }
            }
            return true
        }) {
            tables.withLock { tables in
                if let at = tables.firstIndex(where: { $0 === found }), at > 0 { tables.insert(tables.remove(at: at), at: 0) }
            }
            return found
        }
        var best: (table: TravelTable, missing: [GeoPoint])?
        for table in candidates {
            let missing = points.filter { table.index[$0] == nil }
            if best == nil || missing.count < best!.missing.count { best = (table, missing) }
        }
        // Built outside the lock (another thread may build one meanwhile: both are kept).
        let grown = best.flatMap { best in
            best.missing.count <= points.count / 2
                && best.table.points.count + best.missing.count <= min(TravelTable.maxPlaces, 2 * points.count)
                ? TravelTable(growing: best.table, by: best.missing) : nil
        }
        let table = grown ?? TravelTable(model: model, points: points)
        tables.withLock { tables in
            if grown != nil, let replaced = best?.table { tables.removeAll { $0 === replaced } }
            tables.insert(table, at: 0)
            var bytes = 0
            var keep = 0
            while keep < tables.count, keep < least || bytes + tables[keep].bytes <= budget {
                bytes += tables[keep].bytes
                keep += 1
            }
            tables.removeLast(tables.count - keep)
        }
        return table
    }
}

extension TravelModel {
    /// True when both give every pair the same base minutes (the time of day aside).
    func sameBaseTimes(as other: TravelModel) -> Bool {
        speedKmh == other.speedKmh && roadFactor == other.roadFactor && legs == other.legs
    }
}

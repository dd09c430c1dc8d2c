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
                let minutes =
                    points[a] == points[b]
                    ? 0
                    : Int32(
                        clamping: model.straightMinutes(TravelModel.greatCircleKm(points[a], points[b], cosA: cosines[a], cosB: cosines[b]))
                    )
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

    /// Tables kept: the days (and models) a process works on at once.
    let kept: Int
    private let tables = Mutex<[TravelTable]>([])

    init(kept: Int = 3) { self.kept = kept }

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
    /// A new one holds the places of the kept table it grows from too when that at most doubles
    /// it (a re-plan's trials of one day: the visits kept, then the orders left unassigned), else
    /// only these places (another day: a table never grows without bound).
    func table(covering points: [GeoPoint], model: TravelModel) -> TravelTable {
        let candidates = tables.withLock { tables in tables.filter { $0.model.sameBaseTimes(as: model) } }
        var best: (table: TravelTable, missing: [GeoPoint])?
        for table in candidates {
            let missing = points.filter { table.index[$0] == nil }
            if best == nil || missing.count < best!.missing.count { best = (table, missing) }
        }
        if let best, best.missing.count <= max(8, points.count / 20) {
            tables.withLock { tables in
                if let at = tables.firstIndex(where: { $0 === best.table }), at > 0 { tables.insert(tables.remove(at: at), at: 0) }
            }
            return best.table
        }
        // Built outside the lock (another thread may build one meanwhile: both are kept).
        let union = (best?.table.points ?? []) + (best?.missing ?? points)
        let grows = union.count <= TravelTable.maxPlaces && union.count <= 2 * points.count
        let table = TravelTable(model: model, points: grows ? union : points)
        tables.withLock { tables in
            if grows, let replaced = best?.table { tables.removeAll { $0 === replaced } }
            tables.insert(table, at: 0)
            if tables.count > kept { tables.removeLast(tables.count - kept) }
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

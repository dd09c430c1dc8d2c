import DispatchStore
import SchedulingCore

/// pgRouting in the day's own PostgreSQL database, on the network `dispatch roads import`
/// loaded: each place snaps to its nearest junction, and the quickest drive between junctions
/// comes from `pgr_dijkstraCostMatrix` / `pgr_dijkstraCost` on `cost_s` and `reverse_cost_s`.
/// The way from a place to its junction and back is added at `accessKmh` in a straight line.
/// Metres are not given (the cost matrix has only times): distances stay straight lines × the road factor.
public struct PgRoutingEngine: RoutingEngine {
    public let store: any DispatchStore
    /// Speed of the stretch between a place and its junction.
    public let accessKmh: Double
    /// Sources a request takes (one Dijkstra each).
    public let maxSources: Int

    public init(store: any DispatchStore, accessKmh: Double = 20, maxSources: Int = 100) {
        self.store = store
        self.accessKmh = accessKmh
        self.maxSources = maxSources
    }

    public var name: String { RoutingService.pgrouting.description }

    public func fits(sources: Int, destinations: Int) -> Bool { sources <= maxSources }

    /// Each point's junction and the metres to it.
    public func snaps(_ points: [GeoPoint]) async throws -> [(vertex: Int, metres: Double)] {
        try await store.readTransaction { tx in try tx.snapToRoads(points) }
    }

    public func table(sources: [GeoPoint], destinations: [GeoPoint]) async throws -> [[RoadLegs.Leg?]] {
        let accessKmh = accessKmh
        return try await store.readTransaction { tx in
            let snapped = try tx.snapToRoads(sources + destinations)
            let from = Array(snapped[..<sources.count])
            let to = Array(snapped[sources.count...])
            let costs = try tx.roadCosts(from: from.map(\.vertex), to: to.map(\.vertex))
            let metresPerSecond = accessKmh * 1000 / 3600
            return try from.enumerated().map { row, a in
                try to.enumerated().map { column, b -> RoadLegs.Leg? in
                    let road: Double? = a.vertex == b.vertex ? 0 : costs[a.vertex]?[b.vertex]
                    guard let road else { return nil }
                    return try RoadLegs.Leg.checked(
                        seconds: road + (a.metres + b.metres) / metresPerSecond, meters: nil, engine: "pgRouting", row: row, column: column)
                }
            }
        }
    }
}

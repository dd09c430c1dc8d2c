/// Travel times between places, read from a matrix (a file the operator exported from their
/// own routing engine, or a routing service): seconds and, when known, metres, by place. The
/// base time of a leg (the day's traffic applies on top, `Scenario.drive`).
public final class RoadLegs: Hashable, Sendable, CustomStringConvertible {
    public struct Leg: Hashable, Sendable {
        public let seconds: Int
        public let meters: Int?

        public init(seconds: Int, meters: Int?) {
            self.seconds = seconds
            self.meters = meters
        }
    }

    struct Pair: Hashable {
        let from: GeoPoint
        let to: GeoPoint
    }

    /// Where the legs come from, in words ("matrix day.csv").
    public let source: String
    let legs: [Pair: Leg]

    /// `rows` as (from, to, leg); of two rows for the same pair of places the first counts.
    public init(source: String, rows: [(from: GeoPoint, to: GeoPoint, leg: Leg)]) {
        self.source = source
        var legs: [Pair: Leg] = [:]
        legs.reserveCapacity(rows.count)
        for row in rows where legs[Pair(from: row.from, to: row.to)] == nil { legs[Pair(from: row.from, to: row.to)] = row.leg }
        self.legs = legs
    }

    public func leg(from a: GeoPoint, to b: GeoPoint) -> Leg? { legs[Pair(from: a, to: b)] }

    public var count: Int { legs.count }

    public var description: String { "\(source) (\(legs.count) legs)" }

    public static func == (lhs: RoadLegs, rhs: RoadLegs) -> Bool { lhs === rhs || (lhs.source == rhs.source && lhs.legs == rhs.legs) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(legs.count)
    }
}

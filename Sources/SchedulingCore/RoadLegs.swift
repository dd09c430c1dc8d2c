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

    /// One row as read: the places' keys (order ids, technician ids, `<id>/end`) and the leg.
    public struct Row: Hashable, Sendable {
        public let from: String
        public let to: String
        public let leg: Leg

        public init(from: String, to: String, leg: Leg) {
            self.from = from
            self.to = to
            self.leg = leg
        }
    }

    /// Where the legs come from, in words ("matrix day.csv").
    public let source: String
    /// A pair the legs lack may be driven in a straight line (`fallback: haversine`).
    public let fallback: Bool
    /// The rows by key, as stored with a day.
    public let rows: [Row]
    let legs: [Pair: Leg]

    /// `rows` with the place of each key (`places`); rows naming a key without a place are
    /// kept as rows but give no leg. Of two rows for the same pair of places the first counts.
    public init(source: String, fallback: Bool = false, rows: [Row], places: [String: GeoPoint]) {
        self.source = source
        self.fallback = fallback
        self.rows = rows
        var legs: [Pair: Leg] = [:]
        legs.reserveCapacity(rows.count)
        for row in rows {
            guard let from = places[row.from], let to = places[row.to], legs[Pair(from: from, to: to)] == nil else { continue }
            legs[Pair(from: from, to: to)] = row.leg
        }
        self.legs = legs
    }

    public func leg(from a: GeoPoint, to b: GeoPoint) -> Leg? { legs[Pair(from: a, to: b)] }

    /// The places a matrix names: each order by its id, each technician's start by their id, and
    /// a technician's end, when it is elsewhere, by `<id>/end`.
    public static func places(technicians: [Technician], orders: [(id: String, place: GeoPoint)]) -> [(key: String, place: GeoPoint)] {
        var places = technicians.map { ($0.id, $0.startLocation) }
        places += technicians.filter { $0.endLocation != $0.startLocation }.map { ("\($0.id)/end", $0.endLocation) }
        places += orders.map { ($0.id, $0.place) }
        return places
    }

    /// `places` by key; of two places with one key the first counts.
    public static func placesByKey(_ places: [(key: String, place: GeoPoint)]) -> [String: GeoPoint] {
        Dictionary(places.map { ($0.key, $0.place) }, uniquingKeysWith: { first, _ in first })
    }

    public var count: Int { legs.count }

    public var description: String { "\(source) (\(legs.count) legs)" }

    public static func == (lhs: RoadLegs, rhs: RoadLegs) -> Bool {
        lhs === rhs || (lhs.source == rhs.source && lhs.fallback == rhs.fallback && lhs.legs == rhs.legs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(legs.count)
    }
}

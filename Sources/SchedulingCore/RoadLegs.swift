/// Travel times between places, read from a matrix (a file the operator exported from their
/// own routing engine, or a routing service): seconds and, when known, metres, by place. The
/// base time of a leg (the day's traffic applies on top, `Scenario.drive`).
///
/// Held densely by distinct point (two 32-bit numbers a pair): a day of 2,000 orders at 2,000
/// points takes 32 MB, not a dictionary of millions of entries.
public final class RoadLegs: Hashable, Sendable, CustomStringConvertible {
    public struct Leg: Hashable, Sendable {
        public let seconds: Int
        public let meters: Int?
        /// The longest distance a leg may have, from a file or an engine: a road twice around the earth.
        public static let maxMetres = 80_000_000.0

        public init(seconds: Int, meters: Int?) {
            self.seconds = seconds
            self.meters = meters
        }
    }

    /// One leg by the places' keys (order ids, technician ids, `<id>/end`).
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

    /// Collects legs by key or by point; the first leg given for a pair of points counts.
    public struct Builder: Sendable {
        public let places: [String: GeoPoint]
        let index: [GeoPoint: Int]
        let size: Int
        var seconds: [Int32]
        var metres: [Int32]
        var count = 0

        public init(places: [String: GeoPoint]) {
            self.places = places
            var index: [GeoPoint: Int] = [:]
            for key in places.keys.sorted() where index[places[key]!] == nil { index[places[key]!] = index.count }
            self.index = index
            size = index.count
            seconds = Array(repeating: -1, count: size * size)
            metres = Array(repeating: -1, count: size * size)
        }

        public mutating func set(from a: String, to b: String, _ leg: Leg) {
            guard let a = places[a], let b = places[b] else { return }
            set(from: a, to: b, leg)
        }

        /// A leg between one point and itself is never kept: it takes no time (`TravelModel.minutes`).
        public mutating func set(from a: GeoPoint, to b: GeoPoint, _ leg: Leg) {
            guard a != b, let i = index[a], let j = index[b], seconds[i * size + j] < 0 else { return }
            seconds[i * size + j] = Int32(clamping: leg.seconds)
            metres[i * size + j] = leg.meters.map { Int32(clamping: $0) } ?? -1
            count += 1
        }
    }

    /// Where the legs come from, in words ("matrix day.csv").
    public let source: String
    /// A pair the legs lack may be driven in a straight line (`fallback: haversine`).
    public let fallback: Bool
    /// Each key's place.
    public let places: [String: GeoPoint]
    let index: [GeoPoint: Int]
    let size: Int
    let seconds: [Int32]
    let metres: [Int32]
    /// Pairs of points with a leg.
    public let count: Int

    public init(source: String, fallback: Bool = false, builder: Builder) {
        self.source = source
        self.fallback = fallback
        places = builder.places
        index = builder.index
        size = builder.size
        seconds = builder.seconds
        metres = builder.metres
        count = builder.count
    }

    /// `rows` with the place of each key (`places`); rows naming a key without a place give no
    /// leg. Of two rows for the same pair of places the first counts.
    public convenience init(source: String, fallback: Bool = false, rows: [Row], places: [String: GeoPoint]) {
        var builder = Builder(places: places)
        for row in rows { builder.set(from: row.from, to: row.to, row.leg) }
        self.init(source: source, fallback: fallback, builder: builder)
    }

    public func leg(from a: GeoPoint, to b: GeoPoint) -> Leg? {
        guard let i = index[a], let j = index[b] else { return nil }
        let s = seconds[i * size + j]
        guard s >= 0 else { return nil }
        let m = metres[i * size + j]
        return Leg(seconds: Int(s), meters: m >= 0 ? Int(m) : nil)
    }

    /// Every leg by key, keys in order (places at one point share their legs; none between them).
    public var rows: [Row] {
        let keys = places.keys.sorted()
        var rows: [Row] = []
        for a in keys {
            for b in keys where places[a] != places[b] {
                if let leg = leg(from: places[a]!, to: places[b]!) { rows.append(Row(from: a, to: b, leg: leg)) }
            }
        }
        return rows
    }

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

    public var description: String { "\(source) (\(count) legs)" }

    public static func == (lhs: RoadLegs, rhs: RoadLegs) -> Bool {
        lhs === rhs
            || (lhs.source == rhs.source && lhs.fallback == rhs.fallback && lhs.places == rhs.places
                && lhs.index == rhs.index && lhs.seconds == rhs.seconds && lhs.metres == rhs.metres)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(count)
    }
}

import Foundation

/// How long a technician drives between two points (docs/formats.md, "Travel time").
public struct TravelModel: Hashable, Sendable {
    public var speedKmh: Double
    public var roadFactor: Double
    /// Parts of the day whose traffic multiplies every travel time (none: the same all day).
    public var dayParts: [DayPart]
    /// Legs read from a matrix (`model: matrix`); a pair of places it lacks falls back to the
    /// straight line (the loader refuses a file that lacks one, unless `fallback: haversine`).
    public var legs: RoadLegs?
    /// The routing engine the legs are fetched from (`model: osrm | valhalla | pgrouting`); nil
    /// for the straight line and for a matrix file. Until fetched, a pair is a straight line.
    public var service: RoutingService?
    /// With a service: a pair it cannot route (unreachable) is driven in a straight line
    /// (`fallback: haversine`) instead of stopping the build.
    public var fallback: Bool

    public init(
        speedKmh: Double = 30, roadFactor: Double = 1.3, dayParts: [DayPart] = [], legs: RoadLegs? = nil,
        service: RoutingService? = nil, fallback: Bool = false
    ) {
        self.speedKmh = speedKmh
        self.roadFactor = roadFactor
        self.dayParts = dayParts
        self.legs = legs
        self.service = service
        self.fallback = fallback
    }

    /// Metres from `a` to `b`: the matrix's when it has them, else the straight line × `road_factor`.
    public func meters(from a: GeoPoint, to b: GeoPoint) -> Int {
        if a == b { return 0 }
        if let meters = legs?.leg(from: a, to: b)?.meters { return meters }
        return Int((Self.greatCircleKm(a, b) * roadFactor * 1000).rounded())
    }

    public static let earthRadiusKm = 6371.0

    /// Great-circle distance in kilometres (haversine).
    public static func greatCircleKm(_ a: GeoPoint, _ b: GeoPoint) -> Double {
        greatCircleKm(a, b, cosA: cos(a.latitude * radian), cosB: cos(b.latitude * radian))
    }

    /// Radians in a degree.
    static let radian = Double.pi / 180

    /// The same, each latitude's cosine given (worked out once a place for a table of many pairs).
    @inline(__always)
    static func greatCircleKm(_ a: GeoPoint, _ b: GeoPoint, cosA: Double, cosB: Double) -> Double {
        let dLat = (b.latitude - a.latitude) * radian
        let dLon = (b.longitude - a.longitude) * radian
        let h = sin(dLat / 2) * sin(dLat / 2) + cosA * cosB * sin(dLon / 2) * sin(dLon / 2)
        return 2 * earthRadiusKm * asin(min(1, sqrt(h)))
    }

    /// Whole minutes, rounded up; 0 between identical coordinates. The base time, whatever the
    /// time of day: `Scenario.drive(from:to:leaving:)` applies the day's traffic.
    public func minutes(from a: GeoPoint, to b: GeoPoint) -> Int {
        if a == b { return 0 }
        if let leg = legs?.leg(from: a, to: b) { return (leg.seconds + 59) / 60 }
        return straightMinutes(Self.greatCircleKm(a, b))
    }

    /// Whole minutes of a straight line of `km` (× `road_factor`), rounded up.
    @inline(__always)
    func straightMinutes(_ km: Double) -> Int {
        let exact = km * roadFactor / speedKmh * 60
        // Guard against 12.000000001 becoming 13 through floating-point noise.
        return Int((exact - 1e-9).rounded(.up))
    }
}

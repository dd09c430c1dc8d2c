import Foundation

/// How long a technician drives between two points (docs/formats.md, "Travel time").
public struct TravelModel: Hashable, Sendable {
    public var speedKmh: Double
    public var roadFactor: Double
    /// Parts of the day whose traffic multiplies every travel time (none: the same all day).
    public var dayParts: [DayPart]

    public init(speedKmh: Double = 30, roadFactor: Double = 1.3, dayParts: [DayPart] = []) {
        self.speedKmh = speedKmh
        self.roadFactor = roadFactor
        self.dayParts = dayParts
    }

    public static let earthRadiusKm = 6371.0

    /// Great-circle distance in kilometres (haversine).
    public static func greatCircleKm(_ a: GeoPoint, _ b: GeoPoint) -> Double {
        let rad = Double.pi / 180
        let dLat = (b.latitude - a.latitude) * rad
        let dLon = (b.longitude - a.longitude) * rad
        let h = sin(dLat / 2) * sin(dLat / 2)
            + cos(a.latitude * rad) * cos(b.latitude * rad) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * earthRadiusKm * asin(min(1, sqrt(h)))
    }

    /// Whole minutes, rounded up; 0 between identical coordinates. The base time, whatever the
    /// time of day: `Scenario.drive(from:to:leaving:)` applies the day's traffic.
    public func minutes(from a: GeoPoint, to b: GeoPoint) -> Int {
        if a == b { return 0 }
        let exact = Self.greatCircleKm(a, b) * roadFactor / speedKmh * 60
        // Guard against 12.000000001 becoming 13 through floating-point noise.
        return Int((exact - 1e-9).rounded(.up))
    }
}

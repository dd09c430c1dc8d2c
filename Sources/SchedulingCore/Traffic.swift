/// A part of the day whose traffic multiplies every travel time (the scenario's
/// `travel.day_parts`, docs/formats.md "Travel"): `factor` 1.6 from 07:00 to 09:30 makes a
/// 20-minute leg driven wholly inside it take 32.
public struct DayPart: Hashable, Sendable {
    public var start: LocalTime
    public var end: LocalTime
    public var factor: Double

    public init(start: LocalTime, end: LocalTime, factor: Double) {
        self.start = start
        self.end = end
        self.factor = factor
    }
}

/// Travel by time of day on one time axis (whole minutes: the planner's minutes since the day's
/// midnight, or minutes since any origin the caller chooses).
///
/// A leg of `base` minutes is driven as `base` minutes of progress, made at 1/factor a minute
/// inside a part and 1 a minute outside every part (the speed changes, not the leg: Ichoua,
/// Gendreau and Potvin's time-dependent model). Its arrival is the first whole minute by which
/// the progress is done. Progress only ever advances, at a speed never zero, so leaving later
/// never arrives earlier (FIFO): the planner's latest starts, computed backwards, stay exact.
public struct TrafficProfile: Hashable, Sendable {
    struct Segment: Hashable, Sendable {
        var start: Int
        var end: Int
        var factor: Double
    }

    /// Sorted, disjoint; outside them the factor is 1.
    let segments: [Segment]

    public static let flat = TrafficProfile(segments: [])

    init(segments: [Segment]) { self.segments = segments }

    /// `parts` (sorted, disjoint: the loader checks) placed on the axis where the day's midnight
    /// is minute `midnight`.
    public init(parts: [DayPart], midnight: Int) {
        segments = parts.filter { $0.factor != 1 && $0.end > $0.start }.map {
            Segment(start: midnight + $0.start.minutesAfterMidnight, end: midnight + $0.end.minutesAfterMidnight, factor: $0.factor)
        }.sorted { $0.start < $1.start }
    }

    public var isFlat: Bool { segments.isEmpty }

    /// The factor in force at minute `time` (1 outside every part).
    public func factor(at time: Int) -> Double {
        segments.first { $0.start <= time && time < $0.end }?.factor ?? 1
    }

    /// The whole minute of arrival, leaving at minute `leaving` on a leg of `base` minutes.
    public func arrival(leaving: Int, base: Int) -> Int {
        guard base > 0, !segments.isEmpty else { return leaving + base }
        var time = Double(leaving)
        var remaining = Double(base)
        for segment in segments where Double(segment.end) > time {
            let start = Double(segment.start)
            if start > time {
                // Free flow until the part begins.
                if remaining <= start - time { return Self.up(time + remaining) }
                remaining -= start - time
                time = start
            }
            let progress = (Double(segment.end) - time) / segment.factor
            if remaining <= progress { return Self.up(time + remaining * segment.factor) }
            remaining -= progress
            time = Double(segment.end)
        }
        return Self.up(time + remaining)
    }

    /// The latest whole minute of leaving that arrives by minute `arriving` on a leg of `base`
    /// minutes: `arrival(leaving: d, base:) <= arriving` exactly when `d <= departure(…)`.
    public func departure(arriving: Int, base: Int) -> Int {
        guard base > 0, !segments.isEmpty else { return arriving - base }
        var time = Double(arriving)
        var remaining = Double(base)
        for segment in segments.reversed() where Double(segment.start) < time {
            let end = Double(segment.end)
            if end < time {
                if remaining <= time - end {
                    time -= remaining
                    remaining = 0
                    break
                }
                remaining -= time - end
                time = end
            }
            let progress = (time - Double(segment.start)) / segment.factor
            if remaining <= progress {
                time -= remaining * segment.factor
                remaining = 0
                break
            }
            remaining -= progress
            time = Double(segment.start)
        }
        var latest = Int((time - remaining + 1e-9).rounded(.down))
        // Agree with `arrival` to the minute, whatever the floating point made of the boundary.
        while arrival(leaving: latest, base: base) > arriving { latest -= 1 }
        while arrival(leaving: latest + 1, base: base) <= arriving { latest += 1 }
        return latest
    }

    /// Rounded up to the whole minute (12.000000001 stays 12).
    private static func up(_ value: Double) -> Int { Int((value - 1e-9).rounded(.up)) }
}

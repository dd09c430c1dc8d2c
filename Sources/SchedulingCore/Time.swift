import Foundation

/// A moment in time: whole seconds since 1970-01-01T00:00:00Z.
///
/// Everything inside the core is integer time; local strings exist only at the edges.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var secondsSinceEpoch: Int

    public init(secondsSinceEpoch: Int) { self.secondsSinceEpoch = secondsSinceEpoch }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }

    public func adding(minutes: Int) -> Instant { Instant(secondsSinceEpoch: secondsSinceEpoch + minutes * 60) }

    /// Whole minutes from `self` to `later` (negative when `later` is earlier), rounded down.
    public func minutes(until later: Instant) -> Int {
        let delta = later.secondsSinceEpoch - secondsSinceEpoch
        return delta >= 0 ? delta / 60 : -((-delta + 59) / 60)
    }

    public var description: String { "@\(secondsSinceEpoch)" }
}

/// A calendar day with no time zone, as written in a scenario (`2026-11-23`).
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...LocalDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// For values computed by calendar arithmetic, which are valid by construction.
    init(uncheckedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(iso text: String) {
        var text = text
        guard let date = text.withUTF8({ LocalDate.parse(ArraySlice($0)) }) else { return nil }
        self = date
    }

    /// `YYYY-MM-DD` in ASCII bytes (digits only, no sign), or nil. Read byte by byte: stored
    /// orders and plans carry thousands of dates, and splitting strings showed in profiles.
    static func parse(_ bytes: ArraySlice<UInt8>) -> LocalDate? {
        guard bytes.count == 10 else { return nil }
        let start = bytes.startIndex
        guard bytes[start + 4] == UInt8(ascii: "-"), bytes[start + 7] == UInt8(ascii: "-"),
            let y = asciiNumber(bytes[start..<start + 4]), let m = asciiNumber(bytes[start + 5..<start + 7]),
            let d = asciiNumber(bytes[start + 8..<start + 10])
        else { return nil }
        return LocalDate(year: y, month: m, day: d)
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// The day `days` later (earlier when negative).
    public func adding(days: Int) -> LocalDate {
        ServiceTimeZone.date(daysSinceEpoch: ServiceTimeZone.daysSinceEpoch(self) + days)
    }

    public var description: String { "\(zeroPadded(year, 4))-\(zeroPadded(month, 2))-\(zeroPadded(day, 2))" }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A time of day in minutes after local midnight (`08:30` is 510). `24:00` is allowed as a day's end.
public struct LocalTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var minutesAfterMidnight: Int

    public init?(minutesAfterMidnight: Int) {
        guard (0...1440).contains(minutesAfterMidnight) else { return nil }
        self.minutesAfterMidnight = minutesAfterMidnight
    }

    /// For values computed from an instant, in 0..<1440 by construction.
    init(uncheckedMinutes minutes: Int) { minutesAfterMidnight = minutes }

    public static let midnight = LocalTime(uncheckedMinutes: 0)

    /// Parses `HH:MM` (24-hour clock).
    public init?(hhmm text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0...59).contains(m),
            h < 24 || m == 0
        else { return nil }
        self.init(minutesAfterMidnight: h * 60 + m)
    }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.minutesAfterMidnight < rhs.minutesAfterMidnight }

    public var description: String { "\(zeroPadded(minutesAfterMidnight / 60, 2)):\(zeroPadded(minutesAfterMidnight % 60, 2))" }
}

/// An IANA time zone with the conversions the domain needs between local days/times and instants.
public struct ServiceTimeZone: Hashable, Sendable, CustomStringConvertible {
    public let identifier: String
    private let zone: TimeZone

    /// Only IANA names (`Asia/Shanghai`, `UTC`): Foundation also reads `UTC+8` or `GMT+0800`,
    /// which are no operator's zone and have no daylight-saving rules.
    public init?(identifier: String) {
        guard Self.known.contains(identifier), let zone = TimeZone(identifier: identifier) else { return nil }
        self.identifier = identifier
        self.zone = zone
    }

    public static let utc = ServiceTimeZone(identifier: "UTC")!

    /// The IANA names this system's time zone database holds.
    private static let known: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC", "Etc/UTC", "GMT"])

    public static func == (lhs: ServiceTimeZone, rhs: ServiceTimeZone) -> Bool { lhs.identifier == rhs.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }
    public var description: String { identifier }

    /// The instant at which the local wall clock shows `time` on `date`.
    ///
    /// When the clocks go back the wall time happens twice and the first is taken; when they
    /// go forward it does not exist, and the offset in force before the gap is used, which
    /// moves the instant forward by the gap (02:30 in a 02:00→03:00 gap is 03:30).
    public func instant(on date: LocalDate, at time: LocalTime) -> Instant {
        let wall = (Self.daysSinceEpoch(date) * 1440 + time.minutesAfterMidnight) * 60
        // Offsets a day either side bracket any single transition near this wall time.
        let before = offsetSeconds(atEpochSecond: wall - 86_400)
        let after = offsetSeconds(atEpochSecond: wall + 86_400)
        let valid = [before, after].map { wall - $0 }.filter { offsetSeconds(atEpochSecond: $0) == wall - $0 }
        return Instant(secondsSinceEpoch: valid.min() ?? wall - before)
    }

    private func offsetSeconds(atEpochSecond second: Int) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(second)))
    }

    /// Seconds east of UTC in force at `instant`.
    public func utcOffsetSeconds(at instant: Instant) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant.secondsSinceEpoch)))
    }

    /// The local calendar day and time of day at `instant` (seconds dropped).
    public func local(_ instant: Instant) -> (date: LocalDate, time: LocalTime) {
        let local = instant.secondsSinceEpoch + utcOffsetSeconds(at: instant)
        let days = Int((Double(local) / 86_400).rounded(.down))
        let minuteOfDay = (local - days * 86_400) / 60
        return (Self.date(daysSinceEpoch: days), LocalTime(uncheckedMinutes: minuteOfDay))
    }

    /// `2026-11-23T09:00:00+08:00`: RFC 3339 with this zone's offset at that instant.
    public func rfc3339(_ instant: Instant) -> String {
        let offset = utcOffsetSeconds(at: instant)
        let (date, _) = local(instant)
        let local = instant.secondsSinceEpoch + offset
        let secondOfDay = ((local % 86_400) + 86_400) % 86_400
        let sign = offset < 0 ? "-" : "+"
        let absolute = abs(offset)
        // Written by hand, not with String(format:): every plan row and notice prints several.
        return "\(date)T\(zeroPadded(secondOfDay / 3600, 2)):\(zeroPadded(secondOfDay / 60 % 60, 2)):"
            + "\(zeroPadded(secondOfDay % 60, 2))\(sign)\(zeroPadded(absolute / 3600, 2)):\(zeroPadded(absolute / 60 % 60, 2))"
    }

    /// Days from 1970-01-01 (proleptic Gregorian; Howard Hinnant's civil-from-days inverse).
    public static func daysSinceEpoch(_ date: LocalDate) -> Int {
        let y = date.month <= 2 ? date.year - 1 : date.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (date.month + 9) % 12
        let doy = (153 * mp + 2) / 5 + date.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func date(daysSinceEpoch days: Int) -> LocalDate {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return LocalDate(uncheckedYear: year, month: month, day: day)
    }
}

/// Parses an RFC 3339 date-time (`2026-11-23T09:00:00+08:00`, `...Z`, optional fraction).
///
/// Returns nil when the text is not a valid date-time with an explicit offset, or its offset is
/// none a place has (outside −12:00 … +14:00).
public func parseRFC3339(_ text: String) -> Instant? {
    var text = text
    return text.withUTF8 { parseRFC3339(ArraySlice($0)) }
}

/// `parseRFC3339` on ASCII bytes: digits only (no signs), read byte by byte.
func parseRFC3339(_ bytes: ArraySlice<UInt8>) -> Instant? {
    let count = bytes.count
    let start = bytes.startIndex
    func at(_ offset: Int) -> UInt8 { bytes[start + offset] }
    guard count >= 20, at(10) == UInt8(ascii: "T") || at(10) == UInt8(ascii: "t") || at(10) == UInt8(ascii: " "),
        let date = LocalDate.parse(bytes[start..<start + 10])
    else { return nil }
    // The offset at the end.
    var offsetSeconds = 0
    var clockEnd: Int
    if at(count - 1) == UInt8(ascii: "Z") || at(count - 1) == UInt8(ascii: "z") {
        clockEnd = count - 1
    } else {
        let sign = at(count - 6)
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), at(count - 3) == UInt8(ascii: ":"),
            let oh = asciiNumber(bytes[start + count - 5..<start + count - 3]),
            let om = asciiNumber(bytes[start + count - 2..<start + count]),
            om <= 59, oh * 60 + om <= (sign == UInt8(ascii: "-") ? 12 * 60 : 14 * 60)
        else { return nil }
        offsetSeconds = (oh * 3600 + om * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        clockEnd = count - 6
    }
    // hh:mm:ss, then an optional fraction of at least one digit.
    guard clockEnd >= 19, at(13) == UInt8(ascii: ":"), at(16) == UInt8(ascii: ":"),
        let h = asciiNumber(bytes[start + 11..<start + 13]), let m = asciiNumber(bytes[start + 14..<start + 16]),
        let s = asciiNumber(bytes[start + 17..<start + 19]), h <= 23, m <= 59, s <= 60
    else { return nil }
    if clockEnd > 19 {
        guard at(19) == UInt8(ascii: "."), clockEnd > 20, bytes[start + 20..<start + clockEnd].allSatisfy(isASCIIDigit)
        else { return nil }
    }
    let local = (ServiceTimeZone.daysSinceEpoch(date) * 86_400) + h * 3600 + m * 60 + min(s, 59)
    return Instant(secondsSinceEpoch: local - offsetSeconds)
}

/// The value of one to nine ASCII digits, or nil when a byte is not a digit or there are none.
func asciiNumber(_ bytes: ArraySlice<UInt8>) -> Int? {
    guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
    var value = 0
    for byte in bytes {
        guard isASCIIDigit(byte) else { return nil }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value
}

func isASCIIDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

/// `value` in decimal with leading zeros to `width` digits (`7` → `07`); a non-negative value.
func zeroPadded(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

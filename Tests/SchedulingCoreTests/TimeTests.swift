import Testing

@testable import SchedulingCore

@Suite("Time: instants, local days and zones")
struct TimeTests {
    @Test("RFC 3339 with an offset, Z, or a fraction parses to the same instant")
    func parsesRFC3339() throws {
        let shanghai = try #require(parseRFC3339("2026-11-23T09:00:00+08:00"))
        #expect(parseRFC3339("2026-11-23T01:00:00Z") == shanghai)
        #expect(parseRFC3339("2026-11-23T01:00:00.000Z") == shanghai)
        #expect(parseRFC3339("2026-11-22T20:00:00-05:00") == shanghai)
        #expect(shanghai.secondsSinceEpoch == 1_795_395_600)
    }

    @Test(
        "Date-times without an offset or with impossible fields are refused",
        arguments: [
            "2026-11-23T09:00:00", "2026-11-23 9:00:00+08:00", "2026-02-30T09:00:00Z",
            "2026-11-23T24:00:00Z", "2026-11-23T09:00:00+8:00", "tomorrow", "",
            // Signs where digits belong, a fraction without digits, a non-ASCII digit (the byte
            // parser reads digits only; the one before took Int's signs and any numeral).
            "2026-+1-23T09:00:00Z", "2026-11-23T-1:00:00Z", "2026-11-23T09:00:00.Z", "2026-11-23T09:00:00.٣Z",
            "2026-11-23T09:00:00+-8:00", "2026-11-23T09:00+08:00",
        ])
    func refusesBadDateTimes(_ text: String) {
        #expect(parseRFC3339(text) == nil)
    }

    @Test("Local dates validate the calendar, leap years included")
    func localDates() {
        #expect(LocalDate(iso: "2028-02-29") != nil)
        #expect(LocalDate(iso: "2026-02-29") == nil)
        #expect(LocalDate(iso: "2026-11-31") == nil)
        #expect(LocalDate(iso: "26-11-30") == nil)
        #expect(LocalDate(iso: "2026-11-23")!.description == "2026-11-23")
        #expect(LocalDate(iso: "0999-01-05")!.description == "0999-01-05")
        #expect(LocalDate(iso: "2026-+1-05") == nil && LocalDate(iso: "2026-11-5 ") == nil && LocalDate(iso: "2026-11-05x") == nil)
    }

    @Test("Every instant printed in RFC 3339, in any zone and with a fraction, parses back to itself")
    func roundTrips() throws {
        // (From 1970 on: before standard time, zones had offsets in seconds that RFC 3339 cannot print.)
        var random = SeededGenerator(seed: 11)
        var checked = 0
        for _ in 0..<2_000 {
            let instant = Instant(secondsSinceEpoch: Int.random(in: 0...4_000_000_000, using: &random))
            let zone = try #require(
                ServiceTimeZone(identifier: ["Asia/Shanghai", "America/New_York", "Europe/Helsinki", "UTC"].randomElement(using: &random)!))
            let text = zone.rfc3339(instant)
            #expect(parseRFC3339(text) == instant, "\(text)")
            let fraction = text.replacingOccurrences(of: "+", with: ".123+").replacingOccurrences(of: "Z", with: ".5Z")
            #expect(parseRFC3339(fraction) == instant || !fraction.contains("."), "\(fraction)")
            checked += 1
        }
        #expect(checked == 2_000)
    }

    @Test("Clock times accept HH:MM and 24:00 only")
    func localTimes() {
        #expect(LocalTime(hhmm: "08:30")?.minutesAfterMidnight == 510)
        #expect(LocalTime(hhmm: "24:00")?.minutesAfterMidnight == 1440)
        #expect(LocalTime(hhmm: "24:30") == nil)
        #expect(LocalTime(hhmm: "8:3") == nil)
        #expect(LocalTime(hhmm: "12:60") == nil)
    }

    @Test("Local day and time become the right instant, across a DST change")
    func zoneConversion() throws {
        let newYork = try #require(ServiceTimeZone(identifier: "America/New_York"))
        let summer = newYork.instant(on: LocalDate(year: 2026, month: 7, day: 1)!, at: LocalTime(hhmm: "08:30")!)
        let winter = newYork.instant(on: LocalDate(year: 2026, month: 12, day: 1)!, at: LocalTime(hhmm: "08:30")!)
        #expect(newYork.rfc3339(summer) == "2026-07-01T08:30:00-04:00")
        #expect(newYork.rfc3339(winter) == "2026-12-01T08:30:00-05:00")
        // 02:30 does not exist on 2026-03-08 in New York; it lands an hour later, at 03:30 EDT.
        let gap = newYork.instant(on: LocalDate(year: 2026, month: 3, day: 8)!, at: LocalTime(hhmm: "02:30")!)
        #expect(newYork.rfc3339(gap) == "2026-03-08T03:30:00-04:00")
        // 01:30 happens twice on 2026-11-01; the first (daylight) one is meant.
        let overlap = newYork.instant(on: LocalDate(year: 2026, month: 11, day: 1)!, at: LocalTime(hhmm: "01:30")!)
        #expect(newYork.rfc3339(overlap) == "2026-11-01T01:30:00-04:00")
        let local = newYork.local(winter)
        #expect(local.date == LocalDate(year: 2026, month: 12, day: 1)!)
        #expect(local.time == LocalTime(hhmm: "08:30")!)
    }

    @Test("Day numbering agrees with the Unix epoch on both sides of it")
    func daysSinceEpoch() {
        #expect(ServiceTimeZone.daysSinceEpoch(LocalDate(year: 1970, month: 1, day: 1)!) == 0)
        #expect(ServiceTimeZone.daysSinceEpoch(LocalDate(year: 2000, month: 3, day: 1)!) == 11_017)
        #expect(ServiceTimeZone.daysSinceEpoch(LocalDate(year: 1969, month: 12, day: 31)!) == -1)
        for days in [-700_000, -1, 0, 59, 11_016, 20_415, 2_000_000] {
            #expect(ServiceTimeZone.daysSinceEpoch(ServiceTimeZone.date(daysSinceEpoch: days)) == days)
        }
    }
}

@Suite("Natural order of ids")
struct NaturalOrderTests {
    @Test("Digit runs compare by value; the rest as text")
    func order() {
        let ids = ["WO-100", "WO-2", "WO-10", "WO-1", "T10", "T9", "WO-10-B", "WO-10-P", "WO-010", "A"]
        #expect(ids.sorted(by: naturallyBefore) == ["A", "T9", "T10", "WO-1", "WO-2", "WO-010", "WO-10", "WO-10-B", "WO-10-P", "WO-100"])
        #expect(!naturallyBefore("WO-7", "WO-7"))
    }
}

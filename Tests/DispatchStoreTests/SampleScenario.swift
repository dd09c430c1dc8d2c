import SchedulingCore

/// A scenario that uses every field the model has, with awkward values: UTF-8 names, a zone
/// with daylight saving, optional fields both set and unset, a contract with every term.
enum SampleScenario {
    static func instant(_ text: String) -> Instant { parseRFC3339(text)! }
    static func time(_ text: String) -> LocalTime { LocalTime(hhmm: text)! }
    static func date(_ text: String) -> LocalDate { LocalDate(iso: text)! }

    static func make() -> Scenario {
        let zone = ServiceTimeZone(identifier: "America/New_York")!
        let contract = Contract(
            validFrom: date("2026-01-01"), validTo: date("2026-12-31"), territories: ["north", "Ostbezirk-ß"],
            workTypes: [.install, .repair], services: [.broadband, .phone], excludedTiers: [.diamond, .tier1A],
            maxOrdersPerDay: 40, prices: [.install: Money(cents: 12000), .repair: Money(cents: 8050)])
        let crews = [
            Crew(id: "acme", name: "Acmé Netzwerke GmbH", contract: contract),
            Crew(id: "idle", name: nil, contract: nil),
        ]
        let technicians = [
            Technician(
                id: "T01", name: "王磊", crewID: "acme", skills: ["broadband", "phone"],
                certifiedUntil: date("2027-06-30"), shift: Shift(start: time("08:30"), end: time("17:30")),
                startLocation: GeoPoint(latitude: 40.712_776_1, longitude: -74.005_974_2),
                endLocation: GeoPoint(latitude: 40.73, longitude: -73.99), territories: ["north"], absent: false),
            Technician(
                id: "T02", name: nil, crewID: nil, skills: [], certifiedUntil: nil,
                shift: Shift(start: time("00:00"), end: time("24:00")),
                startLocation: GeoPoint(latitude: -33.868_82, longitude: 151.209_29), territories: nil, absent: true),
        ]
        let orders = [
            WorkOrder(
                id: "WO-1001", type: .install, service: .broadband, skills: ["broadband", "fiber_splice"],
                customer: Customer(id: "C-77", name: "Zoë O'Brien 🚀", tier: .gold, phone: "+1 212 555 0100"),
                location: GeoPoint(latitude: 40.75, longitude: -73.98), address: "88 Main St, Apt \"4B\"",
                territory: "north", durationMinutes: 60,
                window: TimeWindow(start: instant("2026-11-23T09:00:00-05:00"), end: instant("2026-11-23T11:00:00-05:00")),
                reportedAt: nil, group: "ORD-501", pin: Pin(technicianID: "T01", start: nil), lock: nil,
                notes: "Gate code 4711; the dog 🐕 is friendly"),
            WorkOrder(
                id: "WO-1002", type: .repair, service: .phone, skills: nil,
                customer: Customer(id: "C-77", name: "Zoë O'Brien 🚀", tier: .gold, phone: "+1 212 555 0100"),
                location: GeoPoint(latitude: 40.75, longitude: -73.98), address: nil, territory: nil,
                durationMinutes: 1440, window: nil, reportedAt: instant("2026-11-22T18:10:00-05:00"), group: "ORD-501",
                pin: Pin(technicianID: "T01", start: instant("2026-11-23T09:20:00-05:00")),
                lock: Lock(technicianID: "T01", start: instant("2026-11-23T09:20:00-05:00"))),
            WorkOrder(
                id: "WO-1003", type: .removal, service: .iptv, customer: Customer(id: "C-5B", tier: .tier5B),
                location: GeoPoint(latitude: 0, longitude: 0), durationMinutes: 1),
        ]
        var policy = Policy(noticeMinutes: 45, syncToleranceMinutes: 5)
        policy.repairDeadlineHours[.silver] = 12
        policy.breakRule = BreakPolicy(earliestStart: time("12:00"), latestStart: time("12:45"), minutes: 45)
        policy.vipTiers = [.diamond, .tier1A]
        return Scenario(
            name: "round-trip ✓", timeZone: zone, date: date("2026-11-23"), now: instant("2026-11-22T21:00:00-05:00"),
            travel: TravelModel(
                speedKmh: 27.5, roadFactor: 1.25,
                dayParts: [
                    DayPart(start: LocalTime(hhmm: "07:00")!, end: LocalTime(hhmm: "09:30")!, factor: 1.6),
                    DayPart(start: LocalTime(hhmm: "17:00")!, end: LocalTime(hhmm: "18:45")!, factor: 1.35),
                ]), policy: policy,
            crews: crews, technicians: technicians, orders: orders)
    }
}

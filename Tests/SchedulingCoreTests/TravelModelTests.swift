import Testing

@testable import SchedulingCore

@Suite("Travel time follows the documented formula (docs/formats.md)")
struct TravelModelTests {
    @Test("One degree of latitude is 111.19 km; at 30 km/h and factor 1.3 that is 290 minutes, rounded up")
    func oneDegree() {
        let a = GeoPoint(latitude: 31, longitude: 121)
        let b = GeoPoint(latitude: 32, longitude: 121)
        #expect(abs(TravelModel.greatCircleKm(a, b) - 111.195) < 0.001)
        // 111.195 * 1.3 / 30 * 60 = 289.107 -> 290
        #expect(TravelModel().minutes(from: a, to: b) == 290)
        #expect(TravelModel(speedKmh: 60, roadFactor: 1).minutes(from: a, to: b) == 112)
    }

    @Test("Identical points are 0 minutes apart; any distance at all costs at least a minute")
    func identicalAndTiny() {
        let a = GeoPoint(latitude: 31.2304, longitude: 121.4737)
        #expect(TravelModel().minutes(from: a, to: a) == 0)
        #expect(TravelModel().minutes(from: a, to: GeoPoint(latitude: 31.2305, longitude: 121.4737)) == 1)
    }

    @Test("Travel is symmetric")
    func symmetric() {
        let a = GeoPoint(latitude: 31.2304, longitude: 121.4737)
        let b = GeoPoint(latitude: 31.1, longitude: 121.6)
        #expect(TravelModel().minutes(from: a, to: b) == TravelModel().minutes(from: b, to: a))
    }
}

@Suite("Domain defaults")
struct PolicyTests {
    @Test("Repair deadlines by tier are the regulation's defaults (Art. 15)")
    func deadlines() {
        let hours = Policy.defaultRepairDeadlineHours
        #expect(hours[.diamond] == 4 && hours[.tier3A] == 4)
        #expect(hours[.gold] == 8 && hours[.tier5B] == 8)
        #expect(hours[.silver] == 24 && hours[.basic] == 48)
        #expect(hours.count == CustomerTier.allCases.count)
    }

    @Test("VIP tiers are diamond, gold, 1A, 2A, 1B and 2B")
    func vip() {
        #expect(Policy.defaultVIPTiers == [.diamond, .gold, .tier1A, .tier2A, .tier1B, .tier2B])
    }

    @Test("Certification holds through its last day and not after")
    func certification() {
        let technician = Technician(
            id: "T", skills: [], certifiedUntil: LocalDate(iso: "2026-11-23"),
            shift: Shift(start: LocalTime(hhmm: "08:00")!, end: LocalTime(hhmm: "17:00")!),
            startLocation: GeoPoint(latitude: 0, longitude: 0))
        #expect(technician.isCertified(on: LocalDate(iso: "2026-11-23")!))
        #expect(!technician.isCertified(on: LocalDate(iso: "2026-11-24")!))
        var uncertified = technician
        uncertified.certifiedUntil = nil
        #expect(!uncertified.isCertified(on: LocalDate(iso: "2026-01-01")!))
    }

    @Test("Money keeps cents exact and prints like the scenario file")
    func money() {
        #expect(Money(cents: 12000).description == "120")
        #expect(Money(cents: 8050).description == "80.5")
        #expect(Money(cents: 8005).description == "80.05")
        #expect((Money(cents: 10) + Money(cents: 20)).cents == 30)
    }
}

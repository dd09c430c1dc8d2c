import Foundation
import SchedulingCore
import Testing

@testable import ScenarioFormat

@Suite("Scenario loader: valid files")
struct ScenarioLoaderValidTests {
    @Test("Every scenario shipped in scenarios/ loads", arguments: Fixtures.scenarioFiles)
    func shippedScenariosLoad(_ path: String) throws {
        let scenario = try ScenarioLoader.load(path: path)
        #expect(!scenario.orders.isEmpty)
        #expect(!scenario.technicians.isEmpty)
    }

    @Test("There is a scenario for each hard rule")
    func oneScenarioPerRule() {
        let names = Set(Fixtures.scenarioFiles.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent })
        let rules = [
            "qualification", "appointment-window", "shift-and-break", "coordinated-visit", "pre-arrival-notice",
            "outsourced-crew", "territory", "pinned-and-locked",
        ]
        #expect(Set(rules).isSubset(of: names))
    }

    @Test("Every field of the contract example is read with its meaning")
    func readsEveryField() throws {
        let path = Fixtures.packageRoot.appendingPathComponent("scenarios/outsourced-crew.yaml").path
        let scenario = try ScenarioLoader.load(path: path)
        #expect(scenario.timeZone.identifier == "Asia/Shanghai")
        #expect(scenario.date == LocalDate(iso: "2026-11-23"))
        #expect(scenario.now == parseRFC3339("2026-11-22T20:00:00+08:00"))
        let acme = try #require(scenario.crews.first { $0.id == "acme" }?.contract)
        #expect(acme.territories == ["north", "east"])
        #expect(acme.workTypes == [.install, .repair])
        #expect(acme.excludedTiers == [.diamond])
        #expect(acme.maxOrdersPerDay == 2)
        #expect(acme.prices == [.install: Money(cents: 12000), .repair: Money(cents: 8050)])
        let technician = try #require(scenario.technicians.first { $0.id == "T-HOUSE" })
        #expect(technician.crewID == nil)
        #expect(technician.territories == ["south"])
        #expect(technician.endLocation == technician.startLocation)
        #expect(technician.shift.start == LocalTime(hhmm: "08:00"))
        let order = try #require(scenario.orders.first { $0.id == "WO-C5" })
        #expect(order.type == .removal && order.service == .phone)
        #expect(order.skills == ["phone"])
        #expect(order.window == nil)
    }

    @Test("Windows, locks, pins and policy overrides are read in the scenario's zone")
    func readsTimesAndPolicy() throws {
        let text = Fixtures.minimal(
            orderExtra: """
                    window: {start: 2026-11-23T09:00:00+08:00, end: 2026-11-23T11:00:00+08:00}
                    reported_at: 2026-11-22T18:10:00Z
                    group: ORD-1
                    pinned: {technician: T1, start: 2026-11-23T09:30:00+08:00}
                    locked: {technician: T1, start: 2026-11-23T09:30:00+08:00}
                """.replacingOccurrences(of: "\n    ", with: "\n    "),
            top: """
                policy:
                  notice_minutes: 45
                  repair_deadline_hours: {silver: 12}
                  break: null
                travel: {speed_kmh: 25, road_factor: 1.5}
                """)
        let scenario = try ScenarioLoader.parse(text, file: "inline.yaml")
        let order = try #require(scenario.orders.first)
        #expect(order.window?.start == parseRFC3339("2026-11-23T01:00:00Z"))
        #expect(order.reportedAt == parseRFC3339("2026-11-22T18:10:00Z"))
        #expect(order.pin == Pin(technicianID: "T1", start: parseRFC3339("2026-11-23T09:30:00+08:00")))
        #expect(order.lock?.technicianID == "T1")
        #expect(order.group == "ORD-1")
        #expect(scenario.policy.noticeMinutes == 45)
        #expect(scenario.policy.repairDeadlineHours[.silver] == 12)
        #expect(scenario.policy.repairDeadlineHours[.basic] == 48)
        #expect(scenario.policy.breakRule == nil)
        #expect(scenario.travel == TravelModel(speedKmh: 25, roadFactor: 1.5))
        // `now` defaults to local midnight of the service day.
        #expect(scenario.now == parseRFC3339("2026-11-23T00:00:00+08:00"))
    }

    @Test("Day parts are read in order and written back the same")
    func dayParts() throws {
        let yaml = Fixtures.minimal(
            top:
                "travel:\n  day_parts:\n    - {start: \"07:00\", end: \"09:30\", factor: 1.6}\n    - {start: \"16:30\", end: "
                + "\"19:00\", factor: 1.8}"
        )
        let scenario = try ScenarioLoader.parse(yaml, file: "rush.yaml")
        #expect(
            scenario.travel.dayParts == [
                DayPart(start: LocalTime(hhmm: "07:00")!, end: LocalTime(hhmm: "09:30")!, factor: 1.6),
                DayPart(start: LocalTime(hhmm: "16:30")!, end: LocalTime(hhmm: "19:00")!, factor: 1.8),
            ])
        let again = try ScenarioLoader.parse(try ScenarioJSON.encode(scenario), file: "rush.json")
        #expect(again.travel == scenario.travel)
    }

    @Test("Plain JSON is accepted")
    func acceptsJSON() throws {
        let json = """
            {"name": "j", "date": "2026-11-23", "timezone": "UTC",
             "technicians": [{"id": "T1", "skills": ["phone"], "shift": {"start": "08:00", "end": "16:00"},
                              "start": {"lat": 1.5, "lon": 2}}],
             "orders": [{"id": "O1", "type": "repair", "service": "phone", "customer": {"id": "C", "tier": "1A"},
                         "location": {"lat": 1, "lon": 2}, "duration_minutes": 30}]}
            """
        let scenario = try ScenarioLoader.parse(json, file: "x.json")
        #expect(scenario.orders.first?.customer.tier == .tier1A)
        #expect(scenario.technicians.first?.certifiedUntil == nil)
    }
}

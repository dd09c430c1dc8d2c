import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// A technician's shift, places, territories and absence belong to the day: importing one day's
/// file never changes another day's roster, orders or published plan.
@Suite("A roster per day")
struct RosterTests {
    static let later = LocalDate(iso: "2026-11-25")!

    /// The file of 2026-11-25: T1 works 12:00–16:00 in the east from another home, T2 is absent,
    /// T4 joins, T3 is not listed.
    static func laterDay() -> Scenario {
        var day = OperationFixtures.day()
        day.name = "later"
        day.date = later
        day.now = OperationFixtures.instant("2026-11-24T20:00:00+08:00")
        var t1 = day.technicians[0]
        t1.shift = Shift(start: LocalTime(hhmm: "12:00")!, end: LocalTime(hhmm: "16:00")!)
        t1.territories = ["east"]
        t1.startLocation = GeoPoint(latitude: 31.30, longitude: 121.50)
        t1.endLocation = t1.startLocation
        var t2 = day.technicians[1]
        t2.absent = true
        day.technicians = [t1, t2, OperationFixtures.technician("T4", ["phone"], lat: 31.21, lon: 121.44)]
        day.orders = [OperationFixtures.order("WO-L", .repair, .phone, customer: "C-2001", lat: 31.25, lon: 121.47)]
        return day
    }

    @Test(
        "Another day's import leaves a published day alone; days without a file show the nearest roster; a day made keeps a copy",
        arguments: Backend.all)
    func rosterPerDay(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (_, _, published) = try await OperationFixtures.publishedDay(database)
            let before = try #require(try await database.store.scenario(on: OperationFixtures.date))
            #expect(before.technicians.map(\.id) == ["T1", "T2", "T3"])

            _ = try await database.store.importScenario(Self.laterDay())
            let after = try #require(try await database.store.scenario(on: OperationFixtures.date))
            #expect(after.technicians == before.technicians)
            let still = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            #expect(still.version == published.version && still.document == published.document)
            #expect(try await OperationFixtures.hardRuleViolations(database).isEmpty)

            // The later day has its own roster: T1's shift, home and territory, T2 absent, T4, no T3.
            let day = try #require(try await database.store.scenario(on: Self.later))
            #expect(day.technicians.map(\.id) == ["T1", "T2", "T4"])
            #expect(day.technicians[0].shift.start == LocalTime(hhmm: "12:00") && day.technicians[0].territories == ["east"])
            #expect(day.technicians[0].startLocation == GeoPoint(latitude: 31.30, longitude: 121.50))
            #expect(day.technicians[1].absent && !after.technicians[1].absent)
            // Without a day: who the technicians are, with the latest import's shift.
            let latest = try #require(try await database.store.transaction { try $0.technician("T1") })
            #expect(latest.shift.start == LocalTime(hhmm: "12:00"))

            // Days no file touched: the nearest earlier roster, else the nearest later one; absence stays per day.
            let between = try await database.store.transaction { try $0.technicians(absentOn: LocalDate(iso: "2026-11-24")!) }
            #expect(between == before.technicians)
            let beyond = try await database.store.transaction { try $0.technicians(absentOn: LocalDate(iso: "2026-11-27")!) }
            #expect(beyond.map(\.id) == ["T1", "T2", "T4"] && beyond.allSatisfy { !$0.absent })
            let earlier = try await database.store.transaction { try $0.technicians(absentOn: LocalDate(iso: "2026-11-20")!) }
            #expect(earlier == before.technicians)

            // A day made without a file (a booking on the 24th) keeps a copy of the roster it was
            // shown with; importing the 23rd again afterwards leaves it alone.
            try await database.store.transaction { try $0.ensureServiceDay(LocalDate(iso: "2026-11-24")!, like: OperationFixtures.date) }
            var again = OperationFixtures.day()
            again.technicians[0].shift = Shift(start: LocalTime(hhmm: "10:00")!, end: LocalTime(hhmm: "18:00")!)
            _ = try await database.store.importScenario(again)
            let made = try await database.store.transaction { try $0.technicians(absentOn: LocalDate(iso: "2026-11-24")!) }
            #expect(made == before.technicians)
            let reimported = try #require(try await database.store.scenario(on: OperationFixtures.date))
            #expect(reimported.technicians[0].shift.start == LocalTime(hhmm: "10:00"))
        }
    }
}

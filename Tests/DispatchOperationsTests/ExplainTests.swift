import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// `explain`: each technician's verdict comes from the planner's rules, and says where the
/// order is or what keeps it out.
@Suite("Explain")
struct ExplainTests {
    @Test("Eligibility, room in the published day and the order's own place, per technician", arguments: Backend.all)
    func verdicts(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            var day = OperationFixtures.day()
            day.technicians[1].absent = true  // T2
            day.orders.append(
                OperationFixtures.order(
                    "WO-P", .install, .iptv, customer: "C-1005", lat: 31.236, lon: 121.47,
                    window: OperationFixtures.window("10:00", "12:00")))
            day.technicians[0].skills.append("iptv")
            _ = try await database.store.importScenario(day)
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T10:00:00+08:00"))
            try await OperationFixtures.planAndPublish(operations)

            let planned = try await operations.explain(order: "WO-P")
            let visit = try #require(planned.visits.first)
            #expect(visit.technician == "T1" && planned.unassigned == nil)
            let byTechnician = Dictionary(uniqueKeysWithValues: planned.verdicts.map { ($0.technician, $0) })
            #expect(byTechnician["T1"]?.fits == true && byTechnician["T1"]?.start == visit.start)
            #expect(byTechnician["T2"]?.reason == "is absent")
            #expect(byTechnician["T3"]?.reason == "lacks broadband, iptv" || byTechnician["T3"]?.reason == "lacks iptv")

            // A visit whose window nobody can reach any more (the notice rule at this hour).
            let late = try await DispatchOperations(store: database.store, clock: TestClock("2026-11-23T11:45:00+08:00"))
                .explain(order: "WO-P")
            #expect(late.verdicts.allSatisfy { !$0.fits })
            #expect(late.verdicts.first { $0.technician == "T1" }?.reason.contains("notice") == true)

            await #expect(throws: OperationError.self) { _ = try await operations.explain(order: "WO-404") }
        }
    }

    @Test("No room: how many minutes the closest gap is short and which visit holds the place; territories named", arguments: Backend.all)
    func noRoomAndTerritories(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            var day = OperationFixtures.day()
            day.technicians[1].territories = ["north"]  // T2: broadband, north only
            let home = day.technicians[0].startLocation
            func pinned(_ id: String, _ start: String, _ end: String) -> WorkOrder {
                var order = OperationFixtures.order(
                    id, .install, .phone, customer: "C-\(id.suffix(1))00\(id.count)", lat: home.latitude,
                    lon: home.longitude, minutes: 60, window: OperationFixtures.window(start, end))
                order.pin = Pin(technicianID: "T1", start: OperationFixtures.instant("2026-11-23T\(start):00+08:00"))
                order.territory = "south"
                return order
            }
            // T1 is at home from 09:00 to 10:00 and from 11:00 to 12:00: a one-hour gap between.
            day.orders = [pinned("WO-A", "09:00", "09:30"), pinned("WO-C", "11:00", "11:30")]
            _ = try await database.store.importScenario(day)
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T10:00:00+08:00"))
            try await OperationFixtures.planAndPublish(operations)
            let published = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            #expect(Set(published.visits.map(\.order)) == ["WO-A", "WO-C"])

            // A 90-minute install at the same place, to start between 10:00 and 11:30, in the south.
            var wanted = OperationFixtures.order(
                "WO-Q", .install, .broadband, customer: "C-1099", lat: home.latitude, lon: home.longitude,
                minutes: 90, window: OperationFixtures.window("10:00", "11:30"))
            wanted.territory = "south"
            day.orders.append(wanted)
            _ = try await database.store.importScenario(day)
            let explained = try await operations.explain(order: "WO-Q")
            let verdict = Dictionary(uniqueKeysWithValues: explained.verdicts.map { ($0.technician, $0) })
            let t1 = try #require(verdict["T1"])
            #expect(!t1.fits && t1.kind == "no room")
            #expect(
                t1.reason.contains("30 of 90 minutes short") && t1.reason.contains("WO-C holds the place at 11:00–12:00"), "\(t1.reason)")
            #expect(verdict["T2"]?.reason == "works only in north, not in south")
            #expect(verdict["T3"]?.reason == "lacks broadband")
        }
    }
}

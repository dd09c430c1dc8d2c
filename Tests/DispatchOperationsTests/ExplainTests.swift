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
            day.orders.append(OperationFixtures.order("WO-P", .install, .iptv, customer: "C-1005", lat: 31.236, lon: 121.47,
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
}

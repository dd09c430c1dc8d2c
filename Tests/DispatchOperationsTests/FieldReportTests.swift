import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// What a technician reports from the field is taken on the visit's day and the day after, and
/// carries completion details only with a completion, each number in range (issue 25, points 9
/// and 12): a phone with a wrong clock or an old queue cannot start or close another day's visit.
@Suite("Field reports near their day")
struct FieldReportTests {
    @Test(
        "Reports two days early or 13 days late are refused with why; on the day and the day after they are taken", arguments: Backend.all)
    func nearTheDay(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, plan) = try await OperationFixtures.publishedDay(database)
            let visit = try #require(plan.visits.first { $0.order == "WO-A" })
            clock.set("2026-11-21T09:00:00+08:00")
            await #expect {
                _ = try await operations.setStatus(order: "WO-A", to: .enRoute, actor: visit.technician)
            } throws: { error in
                (error as? OperationError)?.message.contains("planned for 2026-11-23 and it is 2026-11-21 in Asia/Shanghai") == true
            }
            clock.set("2026-11-23T08:30:00+08:00")
            #expect(try await operations.setStatus(order: "WO-A", to: .enRoute, actor: visit.technician).to == .enRoute)
            #expect(try await operations.setStatus(order: "WO-A", to: .onSite, actor: visit.technician).to == .onSite)
            // The completion recorded after midnight, the next day: taken.
            clock.set("2026-11-24T00:30:00+08:00")
            let completed = try await operations.setStatus(
                order: "WO-A", to: .completed, details: ["speed_test_mbps": "480"], actor: visit.technician)
            #expect(completed.to == .completed)
            // Thirteen days later, another visit of the day: refused, nothing recorded.
            clock.set("2026-12-06T10:00:00+08:00")
            let before = try await operations.history(order: "WO-R").count
            await #expect {
                _ = try await operations.setStatus(order: "WO-R", to: .onSite, actor: "T1")
            } throws: { error in
                (error as? OperationError)?.message.contains("the visit's day and the day after") == true
            }
            #expect(try await operations.history(order: "WO-R").count == before)
        }
    }

    @Test("Details only with completed; numbers finite and in range; speed_test_mbps in range wherever it is", arguments: Backend.all)
    func details(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, plan) = try await OperationFixtures.publishedDay(database)
            let technician = try #require(plan.visits.first { $0.order == "WO-A" }?.technician)
            clock.set("2026-11-23T08:30:00+08:00")
            for details in [["speed_test_mbps": "-9.2e18"], ["note": "x"]] {
                await #expect {
                    _ = try await operations.setStatus(order: "WO-A", to: .enRoute, details: details, actor: technician)
                } throws: { error in
                    (error as? OperationError)?.message.contains("send them with completed") == true
                }
            }
            #expect(try await operations.history(order: "WO-A").allSatisfy { $0.to != .enRoute })
            #expect(try await operations.setStatus(order: "WO-A", to: .enRoute, actor: technician).to == .enRoute)
            #expect(try await operations.setStatus(order: "WO-A", to: .onSite, actor: technician).to == .onSite)
            for (details, expected) in [
                (["speed_test_mbps": "-9.2e18"], "'speed_test_mbps' is -9.2e18"),
                (["speed_test_mbps": "480", "cable_m": "1e300"], "a number must be finite"),
                (["speed_test_mbps": "480", "cable_m": "nan"], "a number must be finite"),
            ] {
                await #expect {
                    _ = try await operations.setStatus(order: "WO-A", to: .completed, details: details, actor: technician)
                } throws: { error in
                    (error as? OperationError)?.message.contains(expected) == true
                }
            }
            #expect(try await operations.history(order: "WO-A").allSatisfy { $0.to != .completed })
        }
    }
}

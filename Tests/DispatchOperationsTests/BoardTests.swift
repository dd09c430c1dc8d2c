import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// The dispatcher's board of a published day.
@Suite("Board")
struct BoardTests {
    @Test("Rows per technician add up to the shift; what waits is listed with its reason", arguments: Backend.all)
    func board(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, _, plan) = try await OperationFixtures.publishedDay(database)
            _ = try await operations.setStatus(order: "WO-N", to: .rebooking, reason: "asked to move", side: .customer, actor: "desk")

            let board = try await operations.board(OperationFixtures.date)
            #expect(board.version == 2 && board.rows.map(\.technician.id) == ["T1", "T2", "T3"])
            let shown = board.rows.flatMap { $0.visits.map(\.order.order.id) }
            #expect(Set(shown) == Set(plan.visits.map(\.order)).subtracting(["WO-N"]))
            for row in board.rows where !row.visits.isEmpty {
                let breakMinutes = row.breakStart == nil ? 0 : 30
                #expect(row.workMinutes + row.travelMinutes + row.idleMinutes + breakMinutes == row.shiftMinutes)
                #expect(row.visits.map(\.start) == row.visits.map(\.start).sorted())
                #expect(row.loadPercent == (row.workMinutes + row.travelMinutes) * 100 / row.shiftMinutes)
            }
            // Exactly one contact in the group, and nothing is late in this plan.
            let group = board.rows.flatMap(\.visits).filter { $0.order.order.group == "G-1" }
            #expect(group.count == 2 && group.filter(\.contact).count == 1)
            #expect(board.rows.flatMap(\.visits).allSatisfy { !$0.late })
            let waiting = try #require(board.rebooking.first)
            #expect(board.rebooking.count == 1 && waiting.order.order.id == "WO-N")
            #expect(waiting.reason == "asked to move (customer side)")
            await #expect(throws: OperationError.self) { _ = try await operations.board(LocalDate(iso: "2030-01-01")!) }
        }
    }
}

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

    @Test("Late repairs: the board and the orders list count the same ones; amounts carry the day's currency", arguments: Backend.all)
    func lateRepairsAndCurrency(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            var day = OperationFixtures.day()
            day.policy.currency = "EUR"
            // WO-R's deadline (silver: 24 h from 2026-11-21 18:00) passed before its day: planned, late.
            day.orders[3].reportedAt = OperationFixtures.instant("2026-11-21T18:00:00+08:00")
            // WO-X needs a skill nobody holds and its deadline passed before now: unassigned, late.
            var unplannable = OperationFixtures.order(
                "WO-X", .repair, .broadband, customer: "C-1009", lat: 31.23, lon: 121.47,
                reported: "2026-11-19T08:00:00+08:00")
            unplannable.skills = ["fiber_splice"]
            day.orders.append(unplannable)
            let (operations, _, _) = try await OperationFixtures.publishedDay(database, day)
            let board = try await operations.board(OperationFixtures.date)
            let listed = try #require(try await operations.orders(on: OperationFixtures.date)).lines.filter(\.late).map(\.stored.order.id)
            #expect(Set(listed) == ["WO-R", "WO-X"])
            #expect(board.lateRepairs == listed.count)
            // The plan's own figure counts only what it planned past the deadline.
            #expect(board.kpis?.lateRepairs == 1)
            #expect(board.currency == "EUR")
            #expect(try await database.store.scenario(on: OperationFixtures.date)?.policy.currency == "EUR")
        }
    }

    @Test(
        "A technician without visits says why: absent, certificate or contract ended, no skill or territory any order needs",
        arguments: Backend.all)
    func idleReasons(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            var day = OperationFixtures.day()
            func extra(_ id: String, _ skills: [String], change: (inout Technician) -> Void = { _ in }) {
                var technician = OperationFixtures.technician(id, skills, lat: 31.23, lon: 121.47)
                change(&technician)
                day.technicians.append(technician)
            }
            extra("T4", ["broadband"]) { $0.absent = true }
            extra("T5", ["broadband", "phone"]) { $0.certifiedUntil = LocalDate(iso: "2026-10-01") }
            extra("T6", ["broadband", "phone"]) { $0.certifiedUntil = nil }
            extra("T7", ["iptv"])
            extra("T8", ["broadband", "phone"]) { $0.territories = ["harbour"] }
            extra("T10", ["broadband", "phone"]) { $0.crewID = "lapsed" }
            day.crews = [
                Crew(
                    id: "lapsed", name: "Lapsed",
                    contract: Contract(
                        validFrom: LocalDate(iso: "2025-01-01")!, validTo: LocalDate(iso: "2026-10-31")!, territories: nil,
                        workTypes: WorkType.allCases, services: [.broadband, .phone], excludedTiers: [], maxOrdersPerDay: nil, prices: [:]))
            ]
            let (operations, _, _) = try await OperationFixtures.publishedDay(database, day)
            let board = try await operations.board(OperationFixtures.date)
            // Natural order: T10 after T8, not after T1.
            #expect(board.rows.map(\.technician.id) == ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T10"])
            let why = Dictionary(uniqueKeysWithValues: board.rows.map { ($0.technician.id, $0.idleReason) })
            #expect(why["T4"] == "absent")
            #expect(why["T5"] == "certificate ended 2026-10-01")
            #expect(why["T6"] == "no certificate (certified_until is not set)")
            #expect(why["T7"] == "no order of the day needs only their skills (iptv)")
            #expect(why["T8"] == "no order of the day in their territories (harbour)")
            #expect(why["T10"] == "contract of crew lapsed ended 2026-10-31")
            #expect(board.rows.filter { !$0.visits.isEmpty }.allSatisfy { $0.idleReason == nil })
        }
    }
}

import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import ScenarioFormat
import SchedulingCore
import Testing

/// The days a store keeps for slot offers (`StoreTransaction.cachedScenario`): read once while
/// unchanged, read again after any change a plan of the day reads.
@Suite("Days kept for slot offers")
struct ScenarioCacheTests {
    @Test("A day is read once while unchanged; an order sent, a holiday set or a plan published reads it again", arguments: Backend.all)
    func readAgainAfterChanges(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (_, clock, _) = try await OperationFixtures.publishedDay(database)
            let counting = CountingConnection(try database.newConnection())
            let operations = DispatchOperations(store: SQLDispatchStore(connection: counting), clock: clock)
            clock.set("2026-11-23T07:00:00+08:00")
            func orderReads() -> Int { counting.count(containing: "o.service_day = ?") }
            func planReads() -> Int { counting.count(containing: "FROM plan_visits") }
            let offer = { try await operations.offerSlots(order: "WO-N", days: 1, windowMinutes: 120, client: "agent") }
            let first = try await offer()
            let reads = orderReads()
            let plans = planReads()
            #expect(reads > 0 && plans > 0)
            // The same day again: nothing of it is read but its revision, its published plan neither.
            let second = try await offer()
            #expect(orderReads() == reads && planReads() == plans)
            #expect(second.slots == first.slots && second.closed == first.closed)
            // A new order on the day: the offer reads the day again and sees it.
            let body = String(decoding: OrderIntakeBody.make("WO-NEW"), as: UTF8.self)
            _ = try await operations.putOrder(id: "WO-NEW", body: body, actor: "order-system")
            _ = try await offer()
            #expect(orderReads() > reads)
            // A holiday: everyone is off, so nothing is offered that day.
            _ = try await operations.setHoliday(OperationFixtures.date, name: nil, holiday: true)
            let holiday = try await offer()
            #expect(holiday.slots.isEmpty && holiday.closed.contains { $0.reason == "not_worked" })
            _ = try await operations.setHoliday(OperationFixtures.date, name: nil, holiday: false)
            let again = try await offer()
            #expect(!first.slots.isEmpty && !again.slots.isEmpty)
            // A booking publishes a new version: the next offer reads the plan again and keeps the booked visit.
            let booked = try #require(again.slots.first)
            let planReadsBefore = planReads()
            _ = try await operations.book(offer: again.id, order: "WO-N", start: booked.window.start, actor: "agent")
            let other = try await operations.offerSlots(order: "WO-NEW", days: 1, windowMinutes: 120, client: "agent")
            #expect(planReads() > planReadsBefore)
            let fresh = try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) }
            #expect(fresh?.visits.contains { $0.order == "WO-N" } == true)
            #expect(!other.slots.isEmpty)
        }
    }
}

/// An order's body as an order system sends it.
enum OrderIntakeBody {
    static func make(_ id: String) -> Data {
        let order = OperationFixtures.order(
            id, .install, .broadband, customer: "C-\(id.suffix(3))", lat: 31.2310, lon: 121.4720, minutes: 30,
            window: OperationFixtures.window("15:00", "17:00"))
        return Data(ScenarioJSON.order(order, zone: OperationFixtures.zone).text().utf8)
    }
}

import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// The callback desk (Art. 50-55, 60): which tasks exist, when they are due, which channel.
@Suite("Callbacks and complaints")
struct CallbackTests {
    /// A day where WO-R (a silver repair) is completed at 11:00 and WO-A (gold, VIP) gets a complaint.
    func completedRepair(_ database: TestDatabase) async throws -> (DispatchOperations, TestClock, Int) {
        _ = try await database.store.migrate()
        var day = OperationFixtures.day()
        day.crews = [Crew(id: "acme", name: "Acme", contract: nil)]
        day.technicians.append(
            Technician(
                id: "C9", name: "Contractor", crewID: "acme", skills: ["broadband"], certifiedUntil: LocalDate(iso: "2027-12-31"),
                shift: Shift(start: LocalTime(hhmm: "08:30")!, end: LocalTime(hhmm: "17:30")!),
                startLocation: GeoPoint(latitude: 31.23, longitude: 121.47)))
        _ = try await database.store.importScenario(day)
        let clock = TestClock("2026-11-22T10:00:00+08:00")
        let operations = DispatchOperations(store: database.store, clock: clock)
        try await OperationFixtures.planAndPublish(operations)
        clock.set("2026-11-23T10:00:00+08:00")
        _ = try await operations.setStatus(order: "WO-R", to: .enRoute, actor: "T")
        _ = try await operations.setStatus(order: "WO-R", to: .onSite, actor: "T")
        clock.set("2026-11-23T11:00:00+08:00")
        let done = try await operations.setStatus(order: "WO-R", to: .completed, actor: "T")
        return (operations, clock, try #require(done.callback))
    }

    @Test(
        "Completion: automatic first, manual after no answer, a dissatisfied answer brings a manual follow-up",
        arguments: Backend.all)
    func completionCallback(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, id) = try await completedRepair(database)
            let item = try #require(try await operations.callbacksDue().first { $0.task.id == id })
            #expect(item.task.channel == .automatic && item.task.cause == .completion)
            #expect(item.task.dueAt == OperationFixtures.instant("2026-11-23T23:59:00+08:00"))
            #expect(item.latest == OperationFixtures.instant("2026-11-26T11:00:00+08:00"))

            // Callbacks stay in-house.
            await #expect(
                throws: OperationError(
                    .badInput,
                    "callbacks stay with the in-house desk (Art. 50-55): C9 works for contractor acme")
            ) {
                _ = try await operations.recordCallback(id, answer: .satisfied, reason: nil, agent: "C9")
            }
            let missed = try await operations.recordCallback(id, answer: nil, reason: nil, agent: "robot")
            #expect(missed.channel == .manual && missed.attempts == 1 && missed.answer == nil)
            await #expect(throws: OperationError.self) {
                _ = try await operations.recordCallback(id, answer: .dissatisfied, reason: nil, agent: "desk")
            }
            clock.set("2026-11-23T15:00:00+08:00")
            let answered = try await operations.recordCallback(id, answer: .dissatisfied, reason: "slow line", agent: "desk")
            #expect(answered.answer == .dissatisfied && answered.reason == "slow line" && answered.answeredBy == "desk")
            // Already manual: no further follow-up. Overdue after the third day.
            #expect(try await operations.callbacksDue().isEmpty)
            await #expect(throws: OperationError(.conflict, "callback \(id) was already answered (dissatisfied)")) {
                _ = try await operations.recordCallback(id, answer: .satisfied, reason: nil, agent: "desk")
            }
        }
    }

    @Test(
        "A complaint is called back within 2 hours; a dissatisfied automatic answer brings a manual call",
        arguments: Backend.all)
    func complaintCallback(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, completion) = try await completedRepair(database)
            clock.set("2026-11-23T12:00:00+08:00")
            let (_, id) = try await operations.addComplaint(order: "WO-R", text: "technician left a mess", actor: "hotline")
            let item = try #require(try await operations.callbacksDue().first { $0.task.id == id })
            #expect(item.task.cause == .complaint && item.task.dueAt == OperationFixtures.instant("2026-11-23T14:00:00+08:00"))
            #expect(item.task.channel == .automatic)
            _ = try await operations.recordCallback(completion, answer: .verySatisfied, reason: nil, agent: "robot")
            _ = try await operations.recordCallback(id, answer: .dissatisfied, reason: "still upset", agent: "robot")
            let followUp = try #require(try await operations.callbacksDue().first)
            #expect(followUp.task.cause == .followUp && followUp.task.channel == .manual && followUp.task.order == "WO-R")
            clock.set("2026-11-24T13:00:00+08:00")
            #expect(try await operations.callbacksDue().first?.overdue == true)
            await #expect(throws: OperationError(.badInput, "a complaint needs its text")) {
                _ = try await operations.addComplaint(order: "WO-R", text: "  ", actor: "hotline")
            }
        }
    }
}

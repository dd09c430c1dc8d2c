import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// A dispatcher's manual changes: checked against the hard rules, published as versions, and
/// safe when two dispatchers change the same day at once.
@Suite("Manual changes", .serialized)
struct ManualChangeTests {
    func start(_ database: TestDatabase) async throws -> (DispatchOperations, PublishedPlan) {
        let (operations, _, plan) = try await OperationFixtures.publishedDay(database)
        return (operations, plan)
    }

    @Test("Assign, pin, refusals naming the rule, unassign and move", arguments: Backend.all)
    func changes(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, plan) = try await start(database)
            let repair = try #require(plan.visits.first { $0.order == "WO-R" })
            let target = repair.technician == "T1" ? "T2" : "T1"
            // T3 holds only phone: refused under H1, nothing stored.
            await #expect(throws: OperationError(.badInput, "refused (H1): T3 lacks broadband")) {
                _ = try await operations.assign(order: "WO-R", technician: "T3", actor: "anna")
            }
            let moved = try await operations.assign(order: "WO-R", technician: target, actor: "anna")
            let after = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            #expect(moved.version == 2 && after.visits.first { $0.order == "WO-R" }?.technician == target)
            for visit in plan.visits where visit.order != "WO-R" { #expect(after.visits.contains(visit)) }
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])
            // A start outside the window: H2.
            await #expect(throws: OperationError.self) {
                _ = try await operations.assign(
                    order: "WO-A", technician: "T1", start: OperationFixtures.instant("2026-11-23T15:00:00+08:00"),
                    actor: "anna")
            }
            // Pinning stores the pin; unpinning removes it.
            _ = try await operations.assign(order: "WO-R", technician: target, pin: true, actor: "anna")
            #expect(try await database.store.transaction { try $0.order("WO-R")?.order.pin?.technicianID } == target)
            try await operations.unpin(order: "WO-R", actor: "anna")
            #expect(try await database.store.transaction { try $0.order("WO-R")?.order.pin } == nil)
            // Assigned elsewhere without --pin, a pinned order loses its pin rather than contradict
            // it (found by the concurrency harness: the plan broke H7 "pinned to T030").
            _ = try await operations.assign(order: "WO-R", technician: target, pin: true, actor: "anna")
            _ = try await operations.assign(order: "WO-R", technician: repair.technician, actor: "anna")
            #expect(try await database.store.transaction { try $0.order("WO-R")?.order.pin } == nil)
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])
            #expect(
                try await operations.history(order: "WO-R").contains {
                    $0.reason == "unpinned from \(target): assigned to \(repair.technician)"
                })
            // Assigned again to the pinned technician, the pin stays.
            _ = try await operations.assign(order: "WO-R", technician: target, pin: true, actor: "anna")
            _ = try await operations.assign(order: "WO-R", technician: target, actor: "anna")
            #expect(try await database.store.transaction { try $0.order("WO-R")?.order.pin?.technicianID } == target)
            // Unassigning an appointment breaks a promise: rebooking with a notice.
            let taken = try #require(try await operations.unassign(order: "WO-A", actor: "anna"))
            #expect(taken.rebooked == ["WO-A"])
            #expect(try await operations.notices(.pending).contains { $0.draft.kind == .rebooking && $0.draft.order == "WO-A" })
            // Moving work without an appointment to the next day.
            let next = OperationFixtures.date.adding(days: 1)
            let shifted = try await operations.move(order: "WO-R", to: next, actor: "anna")
            #expect(shifted.day == next && shifted.scheduled.isEmpty)
            #expect(try await database.store.transaction { try $0.order("WO-R")?.serviceDay } == next)
            #expect(try await database.store.transaction { try $0.publishedPlan(on: next) }?.visits.map(\.order) == ["WO-R"])
            #expect(
                try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) }?.visits
                    .contains { $0.order == "WO-R" } == false)
            // An order with an appointment is rebooked with the customer, not moved; the refusal gives local times.
            await #expect {
                _ = try await operations.move(order: "WO-B1", to: next, actor: "anna")
            } throws: { error in
                let message = (error as? OperationError)?.message ?? ""
                return message.contains("has an appointment on 2026-11-23 (") && message.contains("Asia/Shanghai") && !message.contains("@")
            }
        }
    }

    @Test("Two dispatchers change the same day at once: one wins, the other gets a conflict", arguments: Backend.all)
    func concurrentChanges(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, plan) = try await start(database)
            let other = DispatchOperations(store: try TestDatabase.sibling(of: database), clock: operations.clock)
            let repair = try #require(plan.visits.first { $0.order == "WO-R" })
            let target = repair.technician == "T1" ? "T2" : "T1"
            async let first: Result<PublishOutcome, Error> = await Result(catching: {
                try await operations.assign(
                    order: "WO-R", technician: target,
                    basedOn: plan.version, actor: "anna")
            })
            async let second: Result<PublishOutcome, Error> = await Result(catching: {
                try await other.assign(
                    order: "WO-N", technician: "T1",
                    basedOn: plan.version, actor: "ben")
            })
            let results = await [first, second]
            let won = results.filter { if case .success = $0 { return true } else { return false } }
            let lost = results.compactMap { result -> OperationError? in
                if case .failure(let error) = result { return error as? OperationError } else { return nil }
            }
            #expect(won.count == 1 && lost.count == 1 && lost.first?.category == .conflict, "\(results)")
            let versions = try await database.store.plans(on: OperationFixtures.date).map(\.version)
            #expect(versions == [1, 2])
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])
            await other.store.close()
        }
    }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// Counts every delivery by idempotency key, across senders.
actor CountingSink: NoticeSink {
    private(set) var deliveries: [String: Int] = [:]
    func deliver(_ notice: StoredNotice) async throws {
        deliveries[notice.draft.key, default: 0] += 1
        // A receiver that takes a moment, so concurrent senders overlap.
        try await Task.sleep(nanoseconds: 2_000_000)
    }
}

/// Several actors at once on one database (issue 16), each with its own connection as separate
/// processes would have: the outcome must be one of the serial outcomes, never a storage error.
@Suite("Concurrent actors", .serialized, .tags(.slow))
struct ConcurrencyTests {
    static let date = IntradayPromiseTests.date

    @Test("Two reports on one order at once: one wins, the other is refused; the history never forks", arguments: Backend.all)
    func statusCompareAndSet(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let first = try await IntradayPromiseTests.plannedDay(database, clock: clock)
            clock.set("2026-11-23T09:00:00+08:00")
            let sibling = try TestDatabase.sibling(of: database)
            let second = DispatchOperations(store: sibling, clock: clock)
            let orders = try await database.store.transaction { try $0.orders(on: Self.date) }
                .filter { $0.order.group == nil && $0.order.type == .repair && $0.state == .scheduled }.prefix(6)
            #expect(orders.count == 6)
            for stored in orders {
                let id = stored.order.id
                _ = try await first.setStatus(order: id, to: .enRoute, actor: "T")
                _ = try await first.setStatus(order: id, to: .onSite, actor: "T")
                async let done = outcome { try await first.setStatus(order: id, to: .completed, actor: "T") }
                async let moved = outcome { try await second.setStatus(order: id, to: .transferred, reason: "cable fault", actor: "desk") }
                let outcomes = await [done, moved]
                #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1, "\(id): both or neither report won")
                for case .failure(let error) in outcomes {
                    let failure = try #require(error as? OperationError)
                    #expect(failure.category == .badInput || failure.category == .conflict, "\(id): \(failure)")
                }
                let history = try await first.history(order: id)
                #expect(history.filter { $0.from == .onSite }.count == 1, "\(id): the history forks out of on_site")
            }
            await sibling.close()
        }
    }

    @Test("Moves between two days in opposite directions at once never deadlock into an error", arguments: Backend.all)
    func movesInOppositeDirections(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let first = try await IntradayPromiseTests.plannedDay(database, clock: clock)
            clock.set("2026-11-22T19:00:00+08:00")
            let sibling = try TestDatabase.sibling(of: database)
            let second = DispatchOperations(store: sibling, clock: clock)
            let next = Self.date.adding(days: 1)
            let plan = try await IntradayPromiseTests.published(database)
            let planned = Set(plan.visits.map(\.order))
            let movable = try await database.store.transaction { try $0.orders(on: Self.date) }
                .filter { $0.order.group == nil && $0.order.window == nil && $0.order.pin == nil && planned.contains($0.order.id) }
                .map(\.order.id).sorted()
            #expect(movable.count >= 12)
            // Half of them go to the next day first, one at a time.
            let back = Array(movable.prefix(6))
            let forth = Array(movable.dropFirst(6).prefix(6))
            var onNext: [String] = []
            for id in back where (try? await first.move(order: id, to: next, actor: "setup")) != nil { onNext.append(id) }
            #expect(onNext.count >= 3)
            var rounds = 0
            for (there, here) in zip(forth, onNext) {
                async let a = outcome { try await first.move(order: there, to: next, actor: "desk 1") }
                async let b = outcome { try await second.move(order: here, to: Self.date, actor: "desk 2") }
                for case .failure(let error) in await [a, b] {
                    let failure = try #require(error as? OperationError)
                    #expect(failure.category != .storage, "a move failed with a storage error: \(failure)")
                }
                rounds += 1
            }
            #expect(rounds >= 3)
            await sibling.close()
        }
    }

    @Test("Two notice senders at once deliver every notice exactly once", arguments: Backend.all)
    func concurrentSendersDeliverOnce(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(CityDayGenerator(orders: 300, technicians: 40, seed: 1).scenario())
            let first = DispatchOperations(store: database.store, clock: clock)
            _ = try await OperationFixtures.planAndPublish(first, Self.date)
            clock.set("2026-11-22T18:00:00+08:00")
            let due = try await first.notices(.due(clock.now())).count
            #expect(due > 100)
            let siblings = try (0..<2).map { _ in try TestDatabase.sibling(of: database) }
            let senders = [first] + siblings.map { DispatchOperations(store: $0, clock: clock) }
            let sink = CountingSink()
            let reports = try await withThrowingTaskGroup(of: SendReport.self) { group in
                for sender in senders { group.addTask { try await sender.sendNotices(to: sink, concurrency: 4) } }
                return try await group.reduce(into: [SendReport]()) { $0.append($1) }
            }
            let deliveries = await sink.deliveries
            #expect(deliveries.count == due)
            #expect(
                deliveries.values.allSatisfy { $0 == 1 }, "\(deliveries.filter { $0.value > 1 }.count) notices delivered more than once")
            #expect(reports.map(\.sent).reduce(0, +) == due)
            #expect(reports.filter { $0.sent > 0 }.count >= 2, "the senders did not share the work: \(reports.map(\.sent))")
            #expect(try await first.notices(.due(clock.now())).isEmpty)
            for sibling in siblings { await sibling.close() }
        }
    }

    @Test("A notice cancelled after it was claimed is not delivered", arguments: Backend.all)
    func cancelledAfterClaimIsNotDelivered(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(OperationFixtures.day())
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = DispatchOperations(store: database.store, clock: clock)
            _ = try await OperationFixtures.planAndPublish(operations)
            clock.set("2026-11-22T18:00:00+08:00")
            // Another sender claimed everything due, then died; meanwhile one notice was cancelled.
            let claimed = try await database.store.transaction { tx in
                try tx.claimNotices(due: clock.now(), by: "dead sender", leaseSeconds: 1, limit: 100)
            }
            let victim = try #require(claimed.first)
            _ = try await database.store.transaction { tx in try tx.cancelNotice(victim.id, at: clock.now()) }
            // Nothing is sent while the claim holds; after its lease ran out, the rest is taken over.
            let sink = CountingSink()
            let early = try await operations.sendNotices(to: sink)
            // the claim's 1 s lease must run out in the database's own clock
            try await Task.sleep(nanoseconds: 2_200_000_000)
            let late = try await operations.sendNotices(to: sink)
            let deliveries = await sink.deliveries
            #expect(early.sent == 0 || early.due < claimed.count)
            #expect(deliveries[victim.draft.key] == nil)
            #expect(late.sent + early.sent == claimed.count - 1)
            // Each notice taken over from the stalled sender counts that sender's possible try:
            // the takeover and the delivery.
            let taken = try await operations.notices(.sent).filter { notice in claimed.contains { $0.id == notice.id } }
            #expect(!taken.isEmpty && taken.allSatisfy { $0.attempts == 2 }, "\(taken.map(\.attempts))")
        }
    }
}

/// What `body` returned or threw, to compare concurrent outcomes.
func outcome<T>(_ body: () async throws -> T) async -> Result<T, Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

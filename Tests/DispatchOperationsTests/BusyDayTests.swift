import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import PlanCheck
import SchedulingCore
import Testing

/// Issue 26: what a busy day does to the plan and the notices, each point with its regression.
@Suite("A busy day")
struct BusyDayTests {
    /// Points 2 and 3: a plan is computed from the day as it was, and while it is computed the
    /// day moves as it does on a busy day (technicians report as the concurrency harness's
    /// phones do — the first visit of their agenda not done, en route → on site → completed;
    /// notices go out; a dispatcher assigns). Publishing it then rebases it instead of refusing
    /// it: it lands every time, keeps what still holds, drops no visit under way, and the
    /// published plan keeps every hard rule.
    @Test("A plan computed while the day moves is rebased and lands", arguments: Backend.all)
    func planLandsOnABusyDay(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            var generator = CityDayGenerator(orders: 40, technicians: 6, seed: 7)
            generator.timeZone = OperationFixtures.zone.identifier
            let day = generator.scenario()
            let (operations, clock, _) = try await OperationFixtures.publishedDay(database, day)
            clock.set("2026-11-23T06:30:00+08:00")
            let next: [OrderState: OrderState] = [
                .scheduled: .enRoute, .confirmed: .enRoute, .notified: .enRoute, .enRoute: .onSite, .onSite: .completed,
            ]
            let sink = try NoticeSinks.make(
                "file:\(FileManager.default.temporaryDirectory.appendingPathComponent("busy-\(UUID().uuidString).jsonl").path)")
            var random = SeededGenerator(seed: 3)
            var (underwaySeen, rebased, keptSeen) = (0, 0, 0)
            for round in 0..<10 {
                let (proposal, _) = try #require(
                    try await operations.propose(OperationFixtures.date, now: clock.now(), seed: 1) { day in
                        Solver(scenario: day, options: SolverOptions(seed: 1, iterations: 100)).plan()
                    })
                // Meanwhile: notices, a dispatcher, every technician's next report.
                _ = try await operations.sendNotices(to: sink)
                let lines = try #require(try await operations.orders(on: OperationFixtures.date)).lines
                if let pick = lines.filter({ [.new, .scheduled, .confirmed].contains($0.stored.state) }).randomElement(using: &random) {
                    _ = try? await operations.assign(
                        order: pick.stored.order.id, technician: day.technicians.randomElement(using: &random)!.id, actor: "desk")
                }
                for technician in day.technicians.map(\.id) {
                    let agenda = try #require(try await operations.orders(on: OperationFixtures.date)).lines
                    let own = agenda.filter { $0.visit?.technician == technician && next[$0.stored.state] != nil }
                    guard let first = own.min(by: { $0.visit!.start < $1.visit!.start }), let target = next[first.stored.state] else {
                        continue
                    }
                    _ = try? await operations.setStatus(
                        order: first.stored.order.id, to: target, details: target == .completed ? ["speed_test_mbps": "95"] : [:],
                        actor: technician)
                }
                let before = try #require(try await operations.orders(on: OperationFixtures.date)).lines
                let underway = Set(before.filter { OrderWorkflow.underway.contains($0.stored.state) }.map(\.stored.order.id))
                underwaySeen += underway.count
                let published = try await operations.publish(proposal, actor: "planner")
                if let rebase = published.rebase {
                    rebased += 1
                    keptSeen += rebase.kept
                }
                let dropped = underway.intersection(published.outcome.rebooked + published.outcome.unassigned)
                #expect(dropped.isEmpty, "round \(round): the plan dropped \(dropped.sorted())")
                // As `dispatch check --date` reads it (finished visits as long as they took).
                let (checked, plan, _, earlier, finished) = try #require(try await operations.publishedForCheck(OperationFixtures.date))
                let violations = PlanChecker(scenario: checked, earlier: earlier, finished: finished).violations(of: plan).filter { line in
                    ["H1", "H2", "H3", "H4", "H5", "H7", "H8", "H9", "KPI"].contains { line.hasPrefix($0) }
                }
                #expect(violations == [], "round \(round), rebased: \(published.rebase != nil)")
                clock.set(clock.now().adding(minutes: 20))
            }
            // The cases this is about occurred: visits under way, every proposal rebased, most of it kept.
            #expect(underwaySeen > 0)
            #expect(rebased == 10)
            #expect(keptSeen > 10 * 20)
        }
    }

    /// The CI failure of stop 31 (the concurrency harness: "H9 WO-220-P: appears 0 times", for
    /// three versions in a row): a version published by a reaction listed the day's orders from
    /// the previous version's, so an order back in the day's work without a version naming it
    /// stayed out of every version until a whole plan. Publishing now lists the day's work as
    /// stored, whoever computed the plan.
    @Test("Every version lists every order of the day's work, whatever published it", arguments: Backend.all)
    func everyVersionListsTheDay(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, _, plan) = try await OperationFixtures.publishedDay(database)
            let singles = plan.visits.filter { $0.group == nil }.sorted { $0.start < $1.start }
            let away = try #require(singles.first)
            let delayed = try #require(singles.last { $0.order != away.order })
            _ = try await operations.setStatus(order: away.order, to: .rebooking, reason: "the customer asked", actor: "desk")
            // Back in the day's work with no version naming it (the stored row, however it got there).
            try await database.store.transaction { tx in
                try tx.setState(away.order, .new, expected: .rebooking, locked: try tx.lockDays([OperationFixtures.date]))
            }
            let outcome = try await operations.delay(order: delayed.order, minutes: 10, actor: "desk")
            let (checked, published, version, earlier, finished) = try #require(
                try await operations.publishedForCheck(OperationFixtures.date))
            #expect(version == outcome.version)
            let listing = PlanChecker(scenario: checked, earlier: earlier, finished: finished).violations(of: published).filter {
                $0.hasPrefix("H9") || $0.hasPrefix("KPI")
            }
            #expect(listing == [])
            #expect(published.unassigned.map(\.order).contains(away.order) || published.visits.map(\.order).contains(away.order))
            // A report of en route for an order without a published visit has nothing to lock
            // (a lockless en_route order would fall out of every plan): refused, nothing changed.
            try await database.store.transaction { tx in
                try tx.setState(away.order, .scheduled, expected: .new, locked: try tx.lockDays([OperationFixtures.date]))
            }
            await #expect(throws: OperationError.self) {
                try await operations.setStatus(order: away.order, to: .enRoute, actor: "T01")
            }
            let stored = try await database.store.transaction { try $0.order(away.order) }
            #expect(stored?.state == .scheduled && stored?.order.lock == nil)
        }
    }

    /// Found by the concurrency harness on the listing above: a booking leaves the old day before
    /// it stores the appointment, so the old day's new version saw the order still on that day
    /// and listed it again ("code WO-177: 'displaced' is not true of it", its window on the next day).
    @Test("An order booked onto another day is not listed by the day it left", arguments: Backend.all)
    func bookedAwayIsNotListed(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, _, plan) = try await OperationFixtures.publishedDay(database)
            // A visit without an appointment, taken off the plan: `new`, listed as unassigned.
            let open = Set(OperationFixtures.day().orders.filter { $0.window == nil && $0.group == nil }.map(\.id))
            let away = try #require(plan.visits.filter { open.contains($0.order) }.min { $0.start < $1.start })
            _ = try await operations.unassign(order: away.order, actor: "desk")
            let left = try #require(try await operations.publishedForCheck(OperationFixtures.date)).plan
            #expect(left.unassigned.map(\.order).contains(away.order))
            let slot = try #require(try await operations.slots(order: away.order, days: 3).first { $0.day != OperationFixtures.date })
            let booking = try await operations.book(order: away.order, windowStart: slot.window.start, actor: "desk")
            #expect(booking.orders == [away.order])
            let (checked, published, _, earlier, finished) = try #require(
                try await operations.publishedForCheck(OperationFixtures.date))
            #expect(!(published.visits.map(\.order) + published.unassigned.map(\.order)).contains(away.order))
            #expect(PlanChecker(scenario: checked, earlier: earlier, finished: finished).violations(of: published) == [])
        }
    }

    /// Found by the concurrency harness (`book WO-267-P`: "the plan of 2026-11-23 would drop
    /// WO-267-B, whose visit is completed"): of a coordinated visit whose broadband half was
    /// done and whose customer was then not at home for the phone half, only the phone half waits
    /// for an appointment; booking it took the done half along, and was refused.
    @Test("Booking the unfinished half of a coordinated visit leaves the finished half where it happened", arguments: Backend.all)
    func bookTheUnfinishedHalf(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, plan) = try await OperationFixtures.publishedDay(database)
            let first = try #require(plan.visits.first { $0.order == "WO-B1" })
            clock.set(first.noticeAt)
            _ = try await operations.sendNotices(to: CollectingSink())
            clock.set(first.start)
            for member in ["WO-B1", "WO-B2"] {
                let visit = try #require(plan.visits.first { $0.order == member })
                _ = try await operations.setStatus(order: member, to: .enRoute, actor: visit.technician)
                _ = try await operations.setStatus(order: member, to: .onSite, actor: visit.technician)
            }
            clock.set(first.start.adding(minutes: 60))
            _ = try await operations.setStatus(order: "WO-B1", to: .completed, details: ["speed_test_mbps": "80"], actor: first.technician)
            _ = try await operations.setStatus(order: "WO-B2", to: .customerAbsent, reason: "not at home", actor: first.technician)
            let states = try await database.store.transaction { tx in try ["WO-B1", "WO-B2"].map { try tx.order($0)?.state } }
            #expect(states == [.completed, .rebooking])

            let slot = try #require(try await operations.slots(order: "WO-B2", days: 3).first { $0.day != OperationFixtures.date })
            let booking = try await operations.book(order: "WO-B2", windowStart: slot.window.start, actor: "call-centre")
            #expect(booking.orders == ["WO-B2"])
            let done = try #require(try await database.store.transaction { try $0.order("WO-B1") })
            #expect(done.state == .completed && done.serviceDay == OperationFixtures.date)
            let today = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            #expect(today.visits.contains { $0.order == "WO-B1" && $0.start == first.start })
            let there = try #require(try await database.store.transaction { try $0.publishedPlan(on: slot.day) })
            #expect(there.visits.map(\.order).contains("WO-B2") && !there.visits.map(\.order).contains("WO-B1"))

            // Found by the concurrency harness (300 s, seed 2): pinning or unassigning the booked
            // half changed the finished half too, on a day not locked ("the pin of order WO-B1
            // changes 2026-11-23 without its lock"); the visit is the members on its own day.
            let technician = try #require(there.visits.first { $0.order == "WO-B2" }).technician
            _ = try await operations.assign(order: "WO-B2", technician: technician, pin: true, actor: "desk")
            _ = try await operations.unpin(order: "WO-B2", actor: "desk")
            _ = try await operations.unassign(order: "WO-B2", actor: "desk")
            let after = try #require(try await database.store.transaction { try $0.order("WO-B1") })
            #expect(after == done, "the finished half is left as it was")
        }
    }

    /// Point 3, as found: of two locked visits the solver cannot both keep, it dropped the one
    /// whose technician was already on the way, and publishing sent it to rebooking. The plan is
    /// rebased instead: the visit under way stands, the other locked visit is the one released.
    @Test("Of two colliding locked visits, the plan keeps the one en route", arguments: Backend.all)
    func enRouteWinsACollision(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, plan) = try await OperationFixtures.publishedDay(database)
            let visit = try #require(plan.visits.first { $0.order == "WO-A" })
            clock.set("2026-11-23T08:40:00+08:00")
            _ = try await operations.setStatus(order: "WO-A", to: .enRoute, actor: visit.technician)
            // Another visit announced with the same technician 20 minutes earlier, overlapping (as a
            // reaction racing a report could leave it): one of the two cannot be kept, and the
            // solver, placing locked visits earliest first, keeps that one.
            try await database.store.transaction { tx in
                let locked = try tx.lockDays([OperationFixtures.date])
                try tx.setLock("WO-R", Lock(technicianID: visit.technician, start: visit.start.adding(minutes: -20)), locked: locked)
                let state = try #require(try tx.order("WO-R")).state
                try tx.setState("WO-R", .notified, expected: state, locked: locked)
            }
            guard let (day, version, revision) = try await operations.planningDay(OperationFixtures.date) else {
                Issue.record("no day")
                return
            }
            var planning = day
            planning.now = clock.now()
            let computed = Solver(scenario: planning, options: SolverOptions(seed: 1, iterations: 200)).plan()
            // The case this test is about: the solver's own plan leaves the visit en route out.
            #expect(!computed.visits.contains { $0.order == "WO-A" })
            let published = try await operations.publish(
                Proposal(plan: computed, basedOn: version, revision: revision, seed: 1), actor: "planner")
            #expect(
                published.rebase?.why.contains("it would leave visits under way unassigned: WO-A") == true, "\(published.rebase?.why ?? "")"
            )
            #expect(published.plan.visits.contains { $0.order == "WO-A" && $0.start == visit.start && $0.technician == visit.technician })
            #expect(!published.outcome.rebooked.contains("WO-A"))
            #expect(published.outcome.rebooked == ["WO-R"])
            let states = try await operations.orders(on: OperationFixtures.date)!.lines
            #expect(states.first { $0.stored.order.id == "WO-A" }?.stored.state == .enRoute)
        }
    }

    /// Found by the concurrency harness on the first rebase: one member of a coordinated visit
    /// reported en route while the plan was computed (locked where published), the other member
    /// kept the proposal's new start, and the published pair no longer arrived together (H5). A
    /// coordinated visit is one visit: when a member is a fact, every member stays as published.
    @Test("A rebase keeps a coordinated visit whole when one member set off meanwhile", arguments: Backend.all)
    func rebaseKeepsPairsWhole(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, published) = try await OperationFixtures.publishedDay(database)
            clock.set("2026-11-23T08:40:00+08:00")
            let (proposal, _) = try #require(
                try await operations.propose(OperationFixtures.date, now: clock.now(), seed: 1) { day in
                    Solver(scenario: day, options: SolverOptions(seed: 1, iterations: 50)).plan()
                })
            // The proposal moves the pair 10 minutes later (inside its window).
            var moved = proposal
            for index in moved.plan.visits.indices where moved.plan.visits[index].group == "G-1" {
                moved.plan.visits[index].start = moved.plan.visits[index].start.adding(minutes: 10)
                moved.plan.visits[index].end = moved.plan.visits[index].end.adding(minutes: 10)
            }
            let b1 = try #require(published.visits.first { $0.order == "WO-B1" })
            let b2 = try #require(published.visits.first { $0.order == "WO-B2" })
            clock.set(b1.start.adding(minutes: -20))
            _ = try await operations.setStatus(order: "WO-B1", to: .enRoute, actor: b1.technician)
            let result = try await operations.publish(moved, actor: "planner")
            #expect(result.rebase != nil)
            #expect(result.plan.visits.first { $0.order == "WO-B1" }?.start == b1.start)
            #expect(result.plan.visits.first { $0.order == "WO-B2" }?.start == b2.start)
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])
        }
    }

    /// Point 5: a sender records that a notice went out without waiting for the day's lock (a
    /// re-plan holding it for long made the sender's claim run out, and a sender killed then
    /// repeated notices). The effect (the visit locked as announced) follows under the lock once
    /// it is free. PostgreSQL only: SQLite's single writer serialises every write anyway.
    @Test("A delivery is recorded while a re-plan holds the day's lock; its effect follows", .postgresql)
    func acknowledgementSkipsTheDayLock() async throws {
        try await TestDatabase.with(.postgresql) { database in
            let (operations, clock, plan) = try await OperationFixtures.publishedDay(database)
            let visit = try #require(plan.visits.first { $0.order == "WO-A" })
            clock.set(visit.start.adding(minutes: -20))
            // A long re-plan: the day's row locked until released, on a thread and a connection
            // of its own (nothing of the application waits on it but the day's lock).
            let holder = Handed(database.connection)
            let poller = Handed(try database.newConnection())
            let day = OperationFixtures.date.description
            let holding = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let held = DispatchSemaphore(value: 0)
            Thread {
                _ = try? holder.connection.transaction {
                    _ = try holder.connection.query("SELECT revision FROM service_days WHERE day = ? FOR UPDATE", [.text(day)])
                    holding.signal()
                    release.wait()
                }
                held.signal()
            }.start()
            holding.wait()
            let sending = Task { try await operations.sendNotices(to: CollectingSink(), concurrency: 1) }
            // An acknowledgement lands while the lock is held (the first notice delivered; the
            // sender then waits to apply its effect): watched from a third connection, on a
            // thread (no event reaches the test from inside the sender's transaction).
            let sql = "SELECT 1 AS one FROM notices WHERE sent_at IS NOT NULL"
            let recorded: Bool = await withCheckedContinuation { continuation in
                Thread {
                    var seen = false
                    for _ in 0..<1200 where !seen {
                        seen = !(((try? poller.connection.query(sql, [])) ?? []).isEmpty)
                        // poll: pg_locks shows the waiter
                        if !seen { Thread.sleep(forTimeInterval: 0.1) }
                    }
                    continuation.resume(returning: seen)
                }.start()
            }
            #expect(recorded)
            let state = try poller.connection.query("SELECT status FROM orders WHERE id = 'WO-A'", []).first?.text("status")
            #expect(state == "scheduled" || state == "confirmed")
            release.signal()
            held.wait()
            let report = try await sending.value
            #expect(report.sent >= 1)
            // The effect applied once the lock was free: notified, locked where announced.
            poller.connection.close()
            let line = try #require(try await operations.orders(on: OperationFixtures.date)!.lines.first { $0.stored.order.id == "WO-A" })
            #expect(line.stored.state == .notified)
            #expect(line.stored.order.lock == Lock(technicianID: visit.technician, start: visit.start))
        }
    }

    /// Point 5, the other half: a sender stopped between recording a delivery and applying its
    /// effect leaves it to the next publish of the day (or the next sender run): the visit is
    /// locked before any plan is published over it.
    @Test("An effect left unapplied is applied before the next plan is published", arguments: Backend.all)
    func unappliedEffectComesFirst(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, plan) = try await OperationFixtures.publishedDay(database)
            let visit = try #require(plan.visits.first { $0.order == "WO-A" })
            clock.set(visit.start.adding(minutes: -20))
            // As a sender killed after the acknowledgement leaves it: sent, effect not applied.
            try await database.store.transaction { tx in
                let notice = try #require(try tx.notices(of: "WO-A").first { $0.draft.kind == .preArrival })
                #expect(try tx.markNoticeSent(notice.id, at: OperationFixtures.instant("2026-11-23T08:31:00+08:00")))
            }
            let (proposal, _) = try #require(
                try await operations.propose(OperationFixtures.date, now: clock.now(), seed: 1) { day in
                    Solver(scenario: day, options: SolverOptions(seed: 1, iterations: 50)).plan()
                })
            _ = try await operations.publish(proposal, actor: "planner")
            let line = try #require(try await operations.orders(on: OperationFixtures.date)!.lines.first { $0.stored.order.id == "WO-A" })
            #expect(line.stored.state == .notified)
            #expect(line.visit?.start == visit.start && line.visit?.technician == visit.technician)
        }
    }

    /// Point 4: a cancel that arrives while its notice is on the way is not erased when the
    /// delivery is recorded: the notice is sent (the customer has it) and cancelled in flight.
    @Test("A cancel during the delivery stays on record beside the delivery", arguments: Backend.all)
    func cancelInFlight(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, plan) = try await OperationFixtures.publishedDay(database)
            let visit = try #require(plan.visits.first { $0.order == "WO-A" })
            clock.set(visit.start.adding(minutes: -20))
            let cancelled = Flag()
            let sink = CallingSink { notice in
                guard notice.draft.order == "WO-A", notice.draft.kind == .preArrival else { return }
                // The customer calls while the notice is being delivered.
                _ = try? await operations.setStatus(order: "WO-A", to: .cancelled, reason: "customer called", actor: "desk")
                cancelled.set()
            }
            let report = try await operations.sendNotices(to: sink, concurrency: 1)
            #expect(cancelled.value)
            #expect(report.failed.isEmpty)
            let notices = try await operations.notices(.all).filter { $0.draft.order == "WO-A" && $0.draft.kind == .preArrival }
            let notice = try #require(notices.first)
            #expect(notice.sentAt != nil)
            #expect(notice.cancelledInFlightAt != nil)
            #expect(notice.cancelledAt == nil)
            // The delivery locked nothing: the order stays cancelled.
            #expect(try await operations.history(order: "WO-A").last?.to == .cancelled)
        }
    }
}

/// A sink that runs `during` for each notice as it delivers it.
struct CallingSink: NoticeSink {
    let during: @Sendable (StoredNotice) async -> Void
    func deliver(_ notice: StoredNotice) async throws { await during(notice) }
}

/// A flag set from a task.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    func set() { lock.withLock { raised = true } }
    var value: Bool { lock.withLock { raised } }
}

/// A connection handed to one thread at a time (the test's own threads, never at once).
final class Handed: @unchecked Sendable {
    let connection: any SQLConnection
    init(_ connection: any SQLConnection) { self.connection = connection }
}

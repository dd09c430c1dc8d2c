import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import PlanCheck
import SchedulingCore
import Testing

/// Regression tests for the real-day reproductions (issue 15): on a generated 300-order /
/// 40-technician day, planned the day before and announced at 18:00, each intraday operation
/// keeps every coordinated visit whole, loses no order, moves no visit it is not about, and
/// leaves a published plan that passes the whole checker (H1–H9 and the unassigned codes, the
/// notice rule read as the checker reads an intraday version). Each test first requires that
/// the case it is about occurred on the day.
@Suite("Intraday promises", .serialized, .tags(.slow))
struct IntradayPromiseTests {
    static let date = LocalDate(iso: "2026-11-23")!

    /// The generated day planned at 10:00 the day before (fixed iterations), published, and its
    /// notices sent at 18:00 (evening confirmations).
    static func plannedDay(_ database: TestDatabase, clock: TestClock) async throws -> DispatchOperations {
        _ = try await database.store.migrate()
        _ = try await database.store.importScenario(CityDayGenerator(orders: 300, technicians: 40, seed: 1).scenario())
        let operations = DispatchOperations(store: database.store, clock: clock)
        guard let (scenario, version, revision) = try await operations.planningDay(date) else { throw TestSetupError(message: "no day") }
        var day = scenario
        day.now = clock.now()
        let plan = Solver(scenario: day, options: SolverOptions(seed: 1, iterations: 300)).plan()
        _ = try await operations.commitPlan(plan, basedOn: version, revision: revision, seed: 1, actor: "planner")
        clock.set("2026-11-22T18:00:00+08:00")
        _ = try await operations.sendNotices(to: CollectingSink())
        return operations
    }

    /// Every violation of the published plan, read as `dispatch check --date` reads it.
    static func violations(_ operations: DispatchOperations) async throws -> [String] {
        guard let (scenario, plan, _, earlier, finished) = try await operations.publishedForCheck(date) else { return ["no plan"] }
        return PlanChecker(scenario: scenario, earlier: earlier, finished: finished).violations(of: plan)
    }

    /// `visit` announced at its notice time, its technician on the way, then on site at its
    /// planned start; returns the on-site report.
    static func begin(_ visit: PlannedVisit, _ operations: DispatchOperations, clock: TestClock) async throws -> StatusChange {
        clock.set(visit.noticeAt)
        _ = try await operations.sendNotices(to: CollectingSink())
        _ = try await operations.setStatus(order: visit.order, to: .enRoute, actor: visit.technician)
        clock.set(visit.start)
        return try await operations.setStatus(order: visit.order, to: .onSite, actor: visit.technician)
    }

    /// A full re-plan of the running day as of the clock (300 iterations), committed; the plan
    /// published after it.
    static func replanRunningDay(
        _ operations: DispatchOperations, _ database: TestDatabase, clock: TestClock,
        seed: UInt64
    ) async throws -> PublishedPlan {
        let (day, version, revision) = try #require(try await operations.planningDay(date))
        var planning = day
        planning.now = clock.now()
        let replan = Solver(scenario: planning, options: SolverOptions(seed: seed, iterations: 300)).plan()
        _ = try await operations.commitPlan(replan, basedOn: version, revision: revision, seed: seed, actor: "planner")
        return try await published(database)
    }

    static func published(_ database: TestDatabase) async throws -> PublishedPlan {
        try #require(try await database.store.transaction { try $0.publishedPlan(on: date) })
    }

    /// The day's stored orders by id.
    static func orders(_ database: TestDatabase) async throws -> [String: StoredOrder] {
        Dictionary(
            try await database.store.transaction { try $0.orders(on: date) }.map { ($0.order.id, $0) },
            uniquingKeysWith: { first, _ in first })
    }

    static func states(_ database: TestDatabase) async throws -> [String: OrderState] {
        Dictionary(
            try await database.store.transaction { try $0.orders(on: date) }.map { ($0.order.id, $0.state) },
            uniquingKeysWith: { first, _ in first })
    }

    /// The coordinated visits one technician does back to back after another visit of theirs, by start.
    /// The technicians' routes (by technician, each by start) whose first three visits are
    /// single orders.
    static func singleVisitRoutes(_ plan: PublishedPlan) -> [[PlannedVisit]] {
        let byTechnician = Dictionary(grouping: plan.visits, by: \.technician)
        return byTechnician.keys.sorted().compactMap { key in
            let visits = byTechnician[key]!.sorted { $0.start < $1.start }
            return visits.count >= 3 && visits.prefix(3).allSatisfy { $0.group == nil } ? visits : nil
        }
    }

    static func backToBackPairs(_ plan: PublishedPlan) -> [(first: PlannedVisit, second: PlannedVisit)] {
        plan.visits.sorted { $0.start < $1.start }.compactMap { first -> (PlannedVisit, PlannedVisit)? in
            guard first.group != nil,
                let second = plan.visits.first(where: {
                    $0.group == first.group && $0.technician == first.technician && $0.start == first.end
                }), plan.visits.contains(where: { $0.technician == first.technician && $0.end <= first.start })
            else { return nil }
            return (first, second)
        }
    }

    /// Found by `bench/simulate.sh` (PostgreSQL, run 1): a technician on the way to the first half
    /// of a pair reported a delay; the first half was locked at its new start, the second (after
    /// it, beyond the notice horizon) was not, so the re-plan did not see the two crowd the break
    /// out and dropped the visit done before them to make room for it: the delay was refused and
    /// the customer waited 16 minutes untold. A coordinated visit is fixed whole.
    @Test("A delay of a pair on the way locks both halves where they now start", arguments: Backend.all)
    func delayLocksTheWholeVisit(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            // A pair whose appointment still holds 20 minutes later (one planned near the end of
            // its window is lost by such a delay and rebooked: another case, `delayOffersBeforeTheLock`).
            let windows = try await Self.orders(database).compactMapValues(\.order.window)
            let (first, second) = try #require(
                Self.backToBackPairs(try await Self.published(database)).first { pair in
                    windows[pair.first.order].map { pair.first.start.adding(minutes: 20) <= $0.end } ?? true
                })
            clock.set(first.noticeAt)
            _ = try await operations.sendNotices(to: CollectingSink())
            // On the way when the visit before ends (or the notice went): on time, so the report
            // itself changes nothing (set out 5 minutes before a start 24 minutes' drive away, the
            // report re-planned the pair 19 minutes late before the delay added 20).
            let previous = try #require(
                try await Self.published(database).visits.filter { $0.technician == first.technician && $0.end <= first.start }.map(\.end)
                    .max())
            clock.set(max(previous, first.noticeAt))
            let report = try await operations.setStatus(order: first.order, to: .enRoute, actor: first.technician)
            try #require(report.reaction == nil, "the case: setting out on time re-plans nothing")
            _ = try await operations.delay(order: first.order, minutes: 20, actor: first.technician)
            let after = try await Self.published(database)
            let orders = try await Self.orders(database)
            let moved = [first, second].compactMap { visit in after.visits.first { $0.order == visit.order } }
            #expect(moved.map(\.start) == [first.start.adding(minutes: 20), second.start.adding(minutes: 20)])
            #expect(
                second.start.adding(minutes: 20) > clock.now().adding(minutes: 30), "the case: the second half beyond the notice horizon")
            for visit in moved {
                #expect(
                    orders[visit.order]?.order.lock == Lock(technicianID: visit.technician, start: visit.start), "\(visit.order) not locked"
                )
            }
            #expect(try await Self.violations(operations) == [])
        }
    }

    /// What completing `order` must report (a broadband install its speed test).
    static func results(_ order: WorkOrder) -> [String: String] {
        order.type == .install && order.service == .broadband ? ["speed_test_mbps": "80"] : [:]
    }

    /// A coordinated visit is whole in `plan`: all its members visited, or none.
    static func splitGroups(_ plan: PublishedPlan, _ orders: [StoredOrder]) -> [String] {
        let visited = Set(plan.visits.map(\.order))
        return Dictionary(grouping: orders.filter { $0.order.group != nil }, by: { $0.order.group! }).compactMap { group, members in
            let count = members.filter { visited.contains($0.order.id) }.count
            return count == 0 || count == members.count ? nil : group
        }
    }

    @Test("A delay re-places a later coordinated visit whole, never half of it", arguments: Backend.all)
    func delayKeepsGroupsWhole(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            // A technician with an earlier visit and, later, one member of a pair whose partner is on another technician.
            let byTechnician = Dictionary(grouping: before.visits, by: \.technician)
            let split = before.visits.first { visit in
                guard let group = visit.group else { return false }
                return before.visits.contains { $0.group == group && $0.technician != visit.technician }
                    && (byTechnician[visit.technician] ?? []).contains { $0.start < visit.start && $0.group == nil }
            }
            let late = try #require(split, "the day has no pair split over two technicians behind another visit")
            let delayed = try #require(
                byTechnician[late.technician]?.filter { $0.start < late.start && $0.group == nil }.max { $0.start < $1.start })
            clock.set("2026-11-23T07:30:00+08:00")
            let outcome = try await operations.delay(order: delayed.order, minutes: 180, actor: "T")
            let after = try await Self.published(database)
            let orders = try await database.store.transaction { try $0.orders(on: Self.date) }
            #expect(Self.splitGroups(after, orders) == [])
            let states = try await Self.states(database)
            let members = orders.filter { $0.order.group == late.group }.map { states[$0.order.id] }
            #expect(Set(members).count == 1, "the members of \(late.group!) ended in different states: \(members)")
            #expect(outcome.version == before.version + 1)
            #expect(try await Self.violations(operations) == [])
        }
    }

    @Test(
        "An absence loses no order: each of the technician's visits is re-placed, listed as unassigned or rebooked",
        arguments: Backend.all)
    func absenceLosesNothing(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            // The busiest technician that has work without a window (what used to vanish).
            let orders = try await Self.orders(database)
            var candidates: [(count: Int, technician: String)] = []
            for (technician, visits) in Dictionary(grouping: before.visits, by: \.technician) {
                let open = visits.filter { visit in orders[visit.order]?.order.window == nil }
                if !open.isEmpty { candidates.append((visits.count, technician)) }
            }
            candidates.sort { left, right in left.count != right.count ? left.count > right.count : left.technician < right.technician }
            let technician = try #require(candidates.first?.technician)
            clock.set("2026-11-23T06:30:00+08:00")
            _ = try await operations.recordAbsence(technician: technician, day: Self.date, reason: "sick", actor: "desk")
            let after = try await Self.published(database)
            let document = try #require(try await operations.publishedForCheck(Self.date)).plan
            let listed = Set(after.visits.map(\.order) + document.unassigned.map(\.order))
            let states = try await Self.states(database)
            for visit in before.visits where visit.technician == technician {
                #expect(
                    listed.contains(visit.order) || states[visit.order] == .rebooking,
                    "\(visit.order) is \(states[visit.order]!) and in no list")
            }
            #expect(!after.visits.contains { $0.technician == technician })
            #expect(try await Self.violations(operations) == [])
        }
    }

    /// Found by the concurrency harness: an order unassigned because it is pinned to an uncertified
    /// technician kept that reason after a dispatcher removed the pin (`unassign` or `unpin`), so
    /// `check --date` failed ("'no_qualified_technician' is not true of it").
    @Test("Removing a pin from an order unassigned because of it publishes its reason anew", arguments: Backend.all)
    func unpinningReexplainsUnassignedOrders(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let document = try #require(try await operations.publishedForCheck(Self.date)).plan
            let pinned = document.unassigned.filter { $0.code == .noQualifiedTechnician && $0.reason.hasPrefix("pinned to") }.map(\.order)
            try #require(pinned.count >= 2, "the day has orders unassigned because of their pin: \(document.unassigned.map(\.reason))")
            clock.set("2026-11-23T06:30:00+08:00")
            let before = try await Self.published(database)
            _ = try await operations.unassign(order: pinned[0], actor: "dispatcher")
            try await operations.unpin(order: pinned[1], actor: "dispatcher")
            let after = try await Self.published(database)
            #expect(after.version == before.version + 2)
            #expect(after.visits == before.visits, "no visit moved")
            let orders = try await Self.orders(database)
            #expect(orders[pinned[0]]?.order.pin == nil && orders[pinned[1]]?.order.pin == nil)
            let reasons = try #require(try await operations.publishedForCheck(Self.date)).plan.unassigned
            for id in pinned.prefix(2) {
                let reason = try #require(reasons.first { $0.order == id }, "\(id) is still listed as unassigned")
                #expect(!reason.reason.hasPrefix("pinned to"), "\(id): \(reason.reason)")
            }
            #expect(try await Self.violations(operations) == [])
            // Unpinning again changes nothing and publishes nothing.
            try await operations.unpin(order: pinned[1], actor: "dispatcher")
            #expect(try await Self.published(database).version == after.version)
        }
    }

    @Test(
        "A technician ill after work began keeps the visits begun; the rest of their day goes elsewhere or to rebooking",
        arguments: Backend.all)
    func absenceAfterWorkBegan(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            let orders = try await Self.orders(database)
            // The technician with most single visits: the first is completed, the second under way.
            var counts: [String: Int] = [:]
            for visit in before.visits where visit.group == nil { counts[visit.technician, default: 0] += 1 }
            let busy: [String] = counts.filter { $0.value >= 4 }.map(\.key).sorted()
            let technician = try #require(busy.first)
            let visits = before.visits.filter { $0.technician == technician }.sorted { $0.start < $1.start }
            // Each report when the plan has it: on the way as soon as free (at most an hour early), on site at the start.
            var free = Instant(secondsSinceEpoch: 0)
            for (index, visit) in visits.prefix(2).enumerated() {
                guard visit.group == nil else { continue }
                clock.set(max(free, visit.start.adding(minutes: -60)))
                free = visit.end
                _ = try await operations.setStatus(order: visit.order, to: .enRoute, actor: technician)
                clock.set(visit.start)
                _ = try await operations.setStatus(order: visit.order, to: .onSite, actor: technician)
                if index == 0 {
                    clock.set(visit.end)
                    let order = orders[visit.order]!.order
                    _ = try await operations.setStatus(order: visit.order, to: .completed, details: Self.results(order), actor: technician)
                }
            }
            let begun = Set(visits.prefix(2).filter { $0.group == nil }.map(\.order))
            try #require(!begun.isEmpty)
            _ = try await operations.recordAbsence(technician: technician, day: Self.date, reason: "ill", actor: "desk")
            let after = try await Self.published(database)
            for visit in visits where begun.contains(visit.order) {
                let kept = after.visits.contains { $0.order == visit.order && $0.technician == technician && $0.start == visit.start }
                #expect(kept, "begun visit \(visit.order) left \(technician)")
            }
            #expect(!after.visits.contains { $0.technician == technician && !begun.contains($0.order) })
            #expect(try await Self.violations(operations) == [])
        }
    }

    @Test(
        "The operation reacts: a technician reporting late has their visit delayed by itself; on time changes nothing",
        arguments: Backend.all)
    func reactsToReports(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            let routes = Self.singleVisitRoutes(before)
            try #require(routes.count >= 4)

            // Late: on the way 50 minutes after the first visit should have begun.
            let late = routes[0][0]
            clock.set(late.start.adding(minutes: 50))
            let report = try await operations.setStatus(order: late.order, to: .enRoute, actor: late.technician)
            let reaction = try #require(report.reaction, "a technician 50 minutes late changed nothing")
            let after = try await Self.published(database)
            #expect(reaction.version == after.version)
            if let moved = after.visits.first(where: { $0.order == late.order }) {
                #expect(moved.start >= late.start.adding(minutes: 50), "\(late.order) still starts at \(moved.start)")
            } else {
                #expect(reaction.rebooked.contains(late.order))
            }
            #expect(try await operations.history(order: late.order).contains { $0.reason?.contains("minutes late") == true })
            #expect(try await Self.violations(operations) == [])

            // On time: a technician on the way when the plan says so changes nothing.
            let onTime = routes[1][0]
            clock.set(onTime.start.adding(minutes: -60))
            #expect(try await operations.setStatus(order: onTime.order, to: .enRoute, actor: onTime.technician).reaction == nil)
        }
    }

    /// Issue 26: a report that re-plans the technician's next visit computed the re-plan inside
    /// the day's lock, so every other writer of the day queued behind it. The reaction is now
    /// computed from a read of the day with no lock held: a report made while it is computed is
    /// taken at once (with the lock held, it would wait for the reaction, which waits for it),
    /// and the reaction, computed again on the day as it now is, still lands.
    @Test("A reaction is computed without the day's lock: a report made meanwhile is taken, the reaction lands", arguments: Backend.all)
    func reactionComputedBeforeTheLock(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            let routes = Self.singleVisitRoutes(before)
            try #require(routes.count >= 2)
            let late = routes[0][0]
            let other = routes[1][0]
            let meanwhile = Meanwhile()
            var observed = operations
            observed.hooks.computedBeforeLock = {
                // Once: another technician reports on the way, which needs the day's lock.
                guard await meanwhile.claim() else { return }
                await meanwhile.record(
                    await Result(catching: { try await operations.setStatus(order: other.order, to: .enRoute, actor: other.technician) }))
            }
            clock.set(late.start.adding(minutes: 50))
            let report = try await observed.setStatus(order: late.order, to: .enRoute, actor: late.technician)
            let taken = try #require(await meanwhile.result, "the reaction was not computed before the lock").get()
            #expect(taken.to == .enRoute)
            let reaction = try #require(report.reaction, "the reaction did not land after the day moved: \(report)")
            let after = try await Self.published(database)
            #expect(reaction.version == after.version)
            // Computed again on the day as it is: the visit the other technician set off for stands locked.
            let locked = try #require(try await Self.orders(database)[other.order]?.order.lock)
            #expect(after.visits.contains { $0.order == other.order && $0.technician == locked.technicianID && $0.start == locked.start })
            #expect(try await operations.history(order: late.order).contains { $0.reason?.contains("minutes late") == true })
            #expect(try await Self.violations(operations) == [])
        }
    }

    /// A planned day, its published plan, the first visit of a technician with single visits, and
    /// a store whose statements are counted (`CountingConnection`).
    static func countedDay(_ database: TestDatabase, clock: TestClock) async throws
        -> (before: PublishedPlan, first: PlannedVisit, counting: CountingConnection, store: SQLDispatchStore)
    {
        _ = try await plannedDay(database, clock: clock)
        let before = try await published(database)
        let first = try #require(singleVisitRoutes(before).first?.first)
        let counting = CountingConnection(try database.newConnection())
        return (before, first, counting, SQLDispatchStore(connection: counting))
    }

    /// Issue 26: a re-plan that loses promised visits searched the week for the windows its
    /// rebooking notices offer while it held the day's lock; the search is made with the re-plan,
    /// from the day as read, and the locked write reads no plan.
    @Test("A delay finds the windows to offer the customers it loses before it takes the day's lock", arguments: Backend.all)
    func delayOffersBeforeTheLock(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let (before, _, counting, observedStore) = try await Self.countedDay(database, clock: clock)
            let orders = try await Self.orders(database)
            // A single visit with an appointment, delayed past the appointment's end: it is lost.
            let visit = try #require(
                before.visits.filter { $0.group == nil && orders[$0.order]?.order.window != nil }.min { $0.start < $1.start })
            let window = try #require(orders[visit.order]?.order.window)
            // Reported the evening before: the week searched starts on a day other than the one re-planned.
            clock.set("2026-11-22T19:00:00+08:00")
            let observed = DispatchOperations(store: observedStore, clock: clock)
            let outcome = try await observed.delay(
                order: visit.order, minutes: Int(window.end.secondsSinceEpoch - visit.start.secondsSinceEpoch) / 60 + 30, actor: "desk")
            try #require(outcome.rebooked.contains(visit.order))
            let locked = counting.statements(afterLast: database.connection.dialect.beginTransaction)
            #expect(locked.contains { $0.contains("INSERT INTO plans") }, "the last write transaction is not the one that published")
            // The search reads other days (their roster): not in the locked write, but before it.
            func otherDays(_ statements: [String]) -> [String] { statements.filter { $0.contains("FROM technician_days") } }
            #expect(otherDays(locked) == [])
            #expect(!otherDays(counting.all).isEmpty, "the search read no other day")
            let notices = try await database.store.transaction { tx in try outcome.rebooked.flatMap { try tx.notices(of: $0) } }
            #expect(notices.filter { $0.draft.kind == .rebooking }.count == outcome.rebooked.count)
            await observedStore.close()
        }
    }

    /// Issue 26: one status report that re-plans the technician's next visit read the whole
    /// published plan six times, decoded its JSON and read the day's orders three times; the day
    /// is now read once and the plan's unassigned orders come from their rows.
    @Test("A report that re-plans the next visit reads the published plan once", arguments: Backend.all)
    func reactionReadsThePlanOnce(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let (before, first, counting, observedStore) = try await Self.countedDay(database, clock: clock)
            let observed = DispatchOperations(store: observedStore, clock: clock)
            clock.set(first.start.adding(minutes: 50))
            let report = try await observed.setStatus(order: first.order, to: .enRoute, actor: first.technician)
            let reaction = try #require(report.reaction, "a technician 50 minutes late changed nothing")
            #expect(reaction.version == before.version + 1)
            // The day's whole plan read (the version's row with its document, then its visits and
            // unassigned rows). A visit the re-plan loses is offered windows from the week's other
            // plans, read with it: those are other days' (found at stop 39, when this day's new
            // plan lost one and the count of every plan read was 2).
            let planReads = "SELECT id, version, document"
            #expect(counting.count(containing: planReads, bound: .text(Self.date.description)) == 1)
            // The day's orders read once too (with the scenario); the reporting order and the next one alone.
            #expect(counting.count(containing: "WHERE o.service_day = ?") == 1)
            await observedStore.close()
        }
    }

    /// Issue 26: a customer not at home read the day three times under the day's lock (for the
    /// absence notice, for the re-plan, for publishing it) and a technician's absence three or
    /// four; each reads it once now (and the reaction to the report once more, from a snapshot).
    @Test("A customer not at home and a technician's absence each read the day's orders once", arguments: Backend.all)
    func withdrawalsReadTheDayOnce(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let (before, first, counting, observedStore) = try await Self.countedDay(database, clock: clock)
            let observed = DispatchOperations(store: observedStore, clock: clock)
            clock.set(first.start.adding(minutes: -20))
            _ = try await observed.setStatus(order: first.order, to: .enRoute, actor: first.technician)
            clock.set(first.start)
            let reads = counting.count(containing: "WHERE o.service_day = ?")
            let absent = try await observed.setStatus(order: first.order, to: .customerAbsent, actor: first.technician)
            #expect(absent.publish != nil, "the visit left the plan")
            #expect(counting.count(containing: "WHERE o.service_day = ?") - reads <= 2)
            // Another technician falls ill before their day begins: one read of the day.
            let other = try #require(before.visits.first { $0.technician != first.technician }?.technician)
            let beforeAbsence = counting.count(containing: "WHERE o.service_day = ?")
            let outcome = try await observed.recordAbsence(technician: other, day: Self.date, reason: "sick", actor: "desk")
            #expect(outcome != nil, "their visits moved")
            #expect(counting.count(containing: "WHERE o.service_day = ?") - beforeAbsence == 1)
            #expect(try await Self.violations(observed) == [])
            await observedStore.close()
        }
    }

    @Test("A job finished early brings the next visit forward, no sooner than its notice can still go out", arguments: Backend.all)
    func earlyFinishAdvancesNextVisit(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            let orders = try await Self.orders(database)
            // A technician's first two visits, single orders, the second an hour and a half or more
            // after the first begins, with a window (if any) that lets it come forward.
            var candidates: [(done: PlannedVisit, next: PlannedVisit)] = []
            for technician in Set(before.visits.map(\.technician)).sorted() {
                let own = before.visits.filter { $0.technician == technician }.sorted { $0.start < $1.start }
                guard own.count >= 2, own[0].group == nil, own[1].group == nil,
                    own[0].start.adding(minutes: 90) <= own[1].start,
                    orders[own[1].order]?.order.window.map({ $0.start <= own[0].start.adding(minutes: 40) }) ?? true
                else { continue }
                candidates.append((own[0], own[1]))
            }
            try #require(!candidates.isEmpty, "the day has a technician whose second visit could come forward")
            let (done, next) = candidates[0]
            // The first visit announced, begun on time and finished after 5 minutes.
            #expect(try await Self.begin(done, operations, clock: clock).reaction == nil)
            let finishedAt = done.start.adding(minutes: 5)
            clock.set(finishedAt)
            let order = try #require(orders[done.order]).order
            let report = try await operations.setStatus(
                order: done.order, to: .completed, details: Self.results(order), actor: done.technician)
            let reaction = try #require(report.reaction, "finishing \(done.order) 5 minutes in moved nothing")
            let after = try await Self.published(database)
            #expect(reaction.version == after.version)
            let moved = try #require(after.visits.first { $0.order == next.order })
            #expect(moved.technician == next.technician)
            #expect(moved.start < next.start.adding(minutes: -Reaction.thresholdMinutes), "\(next.order) gained too little")
            #expect(moved.start >= finishedAt.adding(minutes: 30), "\(next.order)'s pre-arrival notice can still go out")
            // The finished visit ends when it did; nothing else moved.
            #expect(after.visits.first { $0.order == done.order }?.end == finishedAt)
            for visit in before.visits where visit.order != done.order && visit.order != next.order {
                #expect(after.visits.contains(visit), "\(visit.order) moved")
            }
            #expect(try await operations.history(order: next.order).contains { $0.reason?.contains("minutes earlier") == true })
            #expect(try await Self.violations(operations) == [])
            // Announced at its new start, the visit that came forward survives a full re-plan of the
            // running day: the planner sees the finished visit as long as it took, not as planned.
            clock.set(moved.noticeAt)
            _ = try await operations.sendNotices(to: CollectingSink())
            #expect(try await Self.states(database)[next.order] == .notified)
            let replanned = try await Self.replanRunningDay(operations, database, clock: clock, seed: 2)
            #expect(replanned.visits.first { $0.order == next.order } == moved)
            #expect(replanned.visits.contains { $0.order == done.order && $0.technician == done.technician && $0.start == done.start })
            #expect(try await Self.violations(operations) == [])
        }
    }

    /// Found by `bench/simulate.sh --small 10` (SQLite run 3 and PostgreSQL runs 2 and 4): the
    /// technician of one half of a coordinated visit done by two technicians reports being late
    /// while the other half is already on site; the delay is refused ("would drop WO-45-P, whose
    /// visit is on_site": a re-plan cannot hold the late half within the group's tolerance of the
    /// half begun), so the customer is not told again. The group counts as arrived: the late
    /// half follows the one on site when it can (`PlanningProblem.arrivedGroups`).
    /// Found by `bench/simulate.sh` (PostgreSQL, a 2,000-order day: "reaction to en_route at
    /// 13:34: the plan of 2026-11-23 would drop WO-1371-B, whose visit is on_site"): a delay
    /// pushed the later half of a pair out of its place, the re-plan placed the whole pair again,
    /// the half on site elsewhere included, and the reaction was refused (the late customer was
    /// never told). The half begun stays where it is; only the rest of the visit moves.
    @Test("A delay that moves a later half of a pair leaves its other half, on site, where it is", arguments: Backend.all)
    func delayLeavesTheBegunHalf(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            let orders = try await Self.orders(database)
            // A pair on two technicians whose second technician has a single visit before it.
            var found: (begun: PlannedVisit, later: PlannedVisit, earlier: PlannedVisit)?
            for visit in before.visits.sorted(by: { ($0.start, $0.order) < ($1.start, $1.order) }) where visit.group != nil {
                guard let partner = before.visits.first(where: { $0.group == visit.group && $0.technician != visit.technician }),
                    let earlier = before.visits.filter({ $0.technician == partner.technician && $0.end <= partner.start }).max(by: {
                        $0.start < $1.start
                    }),
                    earlier.group == nil, orders[earlier.order]?.order.window == nil
                else { continue }
                found = (visit, partner, earlier)
                break
            }
            let (planned, later, earlier) = try #require(found, "the day has a pair on two technicians, the second with a visit before it")
            _ = try await Self.begin(planned, operations, clock: clock)
            // As published once begun (a reaction to its technician's reports may have moved it).
            let begun = try #require(try await Self.published(database).visits.first { $0.order == planned.order })
            // The earlier visit, not yet reported, is delayed onto the later half's start.
            let minutes = earlier.start.minutes(until: later.start)
            let outcome = try await operations.delay(order: earlier.order, minutes: minutes, actor: "desk")
            let after = try await Self.published(database)
            #expect(outcome.version == after.version)
            #expect(after.visits.first { $0.order == later.order } != later, "the case: the later half had to give way")
            #expect(after.visits.first { $0.order == begun.order } == begun, "the half on site moved or left")
            #expect(try await Self.violations(operations) == [])
        }
    }

    /// A desk delay of `order` published: the visit that happened (`done`) as it was, the delayed
    /// one planned or its customer asked for a new appointment. Returns the plan published.
    static func delayLands(
        _ order: String, minutes: Int, keeping done: PlannedVisit, _ operations: DispatchOperations, _ database: TestDatabase
    ) async throws -> PublishedPlan {
        let outcome = try await operations.delay(order: order, minutes: minutes, actor: "desk")
        let after = try await published(database)
        #expect(outcome.version == after.version)
        #expect(after.visits.first { $0.order == done.order } == done, "the visit that happened moved or left")
        let state = try await states(database)[order]
        #expect(after.visits.contains { $0.order == order } || state == .rebooking, "\(String(describing: state))")
        return after
    }

    /// Found by `bench/concurrency.sh` (PostgreSQL: "delay WO-32: the plan of 2026-11-23 would
    /// drop WO-17, whose visit is completed; it is refused"): a technician did a later visit of
    /// their day before an earlier one, which was then delayed onto the later one's place. The
    /// delayed visit, placed first, took the place; the visit done could not be kept and the
    /// delay was refused. What happened keeps its place; the delayed visit goes where it fits.
    @Test("A delay onto the place of a visit already done keeps the visit done, and is not refused", arguments: Backend.all)
    func delayOntoAVisitDone(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            let orders = try await Self.orders(database)
            // Two single visits one after the other on a route, the first without a window.
            var found: (earlier: PlannedVisit, later: PlannedVisit)?
            for route in Self.singleVisitRoutes(before) {
                for (earlier, later) in zip(route, route.dropFirst())
                where later.group == nil && orders[earlier.order]?.order.window == nil {
                    found = (earlier, later)
                    break
                }
                if found != nil { break }
            }
            let (earlier, later) = try #require(found, "a route has a visit without a window before a single visit")
            // The later visit done first, the earlier one not yet begun.
            _ = try await Self.begin(later, operations, clock: clock)
            clock.set(later.end)
            _ = try await operations.setStatus(
                order: later.order, to: .completed, details: Self.results(try #require(orders[later.order]).order), actor: later.technician)
            let done = try #require(try await Self.published(database).visits.first { $0.order == later.order })
            let waiting = try #require(try await Self.published(database).visits.first { $0.order == earlier.order })
            #expect(try await Self.states(database)[earlier.order].map { !OrderWorkflow.begun.contains($0) } == true)
            // Delayed onto the start of the visit done.
            let minutes = waiting.start.minutes(until: done.start) + 1
            try #require(minutes > 0, "the case: the delayed visit lands on the visit done")
            _ = try await Self.delayLands(earlier.order, minutes: minutes, keeping: done, operations, database)
            #expect(try await Self.violations(operations) == [])
        }
    }

    /// Found by bench/concurrency.sh ("delay WO-267-P: the plan of 2026-11-23 would drop WO-267-B,
    /// whose visit is on_site; it is refused", then the same with WO-23-B completed): technicians
    /// there report their work as they go, long before its planned time. The first half of a pair
    /// done back to back was on site (then done) before its planned start, and the second half was
    /// delayed. The trial day counted the pair as arrived only once its planned start had come, so
    /// the halves stayed one job done back to back; the delayed half no longer followed the first,
    /// the job failed whole, the half begun with it, and the delay was refused. On time, the delay
    /// landed but left the second half unlocked, neither back to back nor announced again: the
    /// checker found "H5 … not back to back". The rest of a visit begun is now locked where it is
    /// announced again, and a member locked later than the end of the one before it on the same
    /// technician means the visit began, for the planner and the checker alike.
    @Test("A delay of the second half of a pair whose first half began early lands", arguments: Backend.all, [-90, 0])
    func delayAfterAnEarlyHalf(_ backend: Backend, early: Int) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let orders = try await Self.orders(database)
            let (first, second) = try #require(Self.backToBackPairs(try await Self.published(database)).first)
            // On the way, on site, then done an hour or more before the first half's planned start.
            clock.set(first.start.adding(minutes: early))
            _ = try await operations.setStatus(order: first.order, to: .enRoute, actor: first.technician)
            _ = try await operations.setStatus(order: first.order, to: .onSite, actor: first.technician)
            for (minutes, report) in [(25, OrderState.onSite), (10, .completed)] {
                if report == .completed {
                    clock.set(clock.now().adding(minutes: 20))
                    _ = try await operations.setStatus(
                        order: first.order, to: .completed, details: Self.results(try #require(orders[first.order]).order),
                        actor: first.technician)
                }
                let states = try await Self.states(database)
                #expect(states[first.order] == report)
                let plan = try await Self.published(database)
                let done = try #require(plan.visits.first { $0.order == first.order })
                let waiting = try #require(plan.visits.first { $0.order == second.order })
                try #require(clock.now() < waiting.start, "the case: the second half still to come")
                if early < 0 { try #require(clock.now() < done.start, "the case: the first half begun before its planned start") }
                let after = try await Self.delayLands(second.order, minutes: minutes, keeping: done, operations, database)
                // The rest of a visit begun is fixed where it is announced again.
                if let moved = after.visits.first(where: { $0.order == second.order }) {
                    let lock = try await Self.orders(database)[second.order]?.order.lock
                    #expect(lock == Lock(technicianID: moved.technician, start: moved.start), "\(report)")
                }
                #expect(try await Self.violations(operations) == [], "\(report)")
            }
            // A full re-plan of the running day sees the visit as begun too: both halves stay.
            let delayed = try await Self.published(database)
            let replanned = try await Self.replanRunningDay(operations, database, clock: clock, seed: 3)
            for order in [first.order, second.order] {
                #expect(replanned.visits.first { $0.order == order } == delayed.visits.first { $0.order == order }, "\(order)")
            }
            #expect(try await Self.violations(operations) == [])
        }
    }

    /// Found by bench/simulate.sh (PostgreSQL, "sick at 14:31: the plan of 2026-11-23 would drop
    /// WO-220-B, whose visit is completed"): a technician fell ill whose half of a pair had not
    /// begun while the other half, on another technician, was done; the absence moved the whole
    /// pair, the finished half too, and was refused. The half done stays where it happened.
    @Test("An absence moves the half of a pair not yet begun and leaves the half done where it is", arguments: Backend.all)
    func absenceLeavesTheDoneHalf(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            var split: (done: PlannedVisit, other: PlannedVisit)?
            for visit in before.visits.sorted(by: { ($0.start, $0.order) < ($1.start, $1.order) }) where visit.group != nil {
                if let other = before.visits.first(where: { $0.group == visit.group && $0.technician != visit.technician }) {
                    split = (visit, other)
                    break
                }
            }
            let (done, other) = try #require(split, "the day has a coordinated visit done by two technicians")
            let orders = try await Self.orders(database)
            _ = try await Self.begin(done, operations, clock: clock)
            clock.set(done.start.adding(minutes: 20))
            _ = try await operations.setStatus(
                order: done.order, to: .completed, details: Self.results(try #require(orders[done.order]).order), actor: done.technician)
            #expect(try await Self.states(database)[other.order].map { !OrderWorkflow.begun.contains($0) } == true)
            let outcome = try await operations.recordAbsence(technician: other.technician, day: Self.date, reason: "sick", actor: "desk")
            #expect(outcome != nil, "the absent technician's visits moved")
            let after = try await Self.published(database)
            #expect(after.visits.first { $0.order == done.order }?.technician == done.technician, "the half done left its technician")
            #expect(!after.visits.contains { $0.technician == other.technician })
            #expect(try await Self.violations(operations) == [])
        }
    }

    @Test("A late half of a coordinated visit whose other half is on site is delayed, not refused", arguments: Backend.all)
    func lateHalfOfBegunGroup(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            var split: (first: PlannedVisit, second: PlannedVisit)?
            for visit in before.visits.sorted(by: { $0.start < $1.start }) where visit.group != nil {
                if let other = before.visits.first(where: { $0.group == visit.group && $0.technician != visit.technician }) {
                    split = (visit, other)
                    break
                }
            }
            let (planned, second) = try #require(split, "the day has a coordinated visit done by two technicians")
            _ = try await Self.begin(planned, operations, clock: clock)
            // As published once begun (a reaction to its technician's reports may have moved it).
            let first = try #require(try await Self.published(database).visits.first { $0.order == planned.order })
            // The other technician sets off 40 minutes after their half should have begun.
            clock.set(second.start.adding(minutes: 40))
            let report = try await operations.setStatus(order: second.order, to: .enRoute, actor: second.technician)
            #expect(report.reactionRefused == nil, "\(report.reactionRefused ?? "")")
            #expect(report.reaction != nil)
            #expect(try await Self.violations(operations) == [])
            // One visit still: both halves planned, the begun one where it was, the late one after it.
            let after = try await Self.published(database)
            #expect(after.visits.first { $0.order == first.order } == first)
            let late = try #require(after.visits.first { $0.order == second.order })
            #expect(late.technician == second.technician)
            #expect(late.start >= clock.now())
            #expect(late.start > second.start)
            #expect(after.visits.filter { $0.group == first.group && $0.contact }.count == 1)
            // A full re-plan of the running day keeps both halves where they are.
            let replanned = try await Self.replanRunningDay(operations, database, clock: clock, seed: 3)
            #expect(replanned.visits.first { $0.order == first.order } == first)
            #expect(replanned.visits.first { $0.order == second.order }?.start == late.start)
            #expect(try await Self.violations(operations) == [])
        }
    }

    /// Found by `bench/simulate.sh` (PostgreSQL, run 26): a technician doing both halves of a
    /// coordinated visit back to back set off for the second at its planned start, and the
    /// reaction counted the drive from the visit *before* the first half ("expected 28 minutes
    /// late"); the delay it published moved the break past its window (H4). The second half is
    /// reached from the first, where the technician is: on time, nothing to react to; when the
    /// first half overran, the second is delayed and the plan still passes the checker.
    @Test("The second half of a coordinated visit done back to back is reached from the first", arguments: Backend.all)
    func secondHalfFollowsTheFirst(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            let orders = try await Self.orders(database)
            let pairs = Self.backToBackPairs(before)
            // The case: a pair more than the threshold's drive from the visit before it.
            let day = CityDayGenerator(orders: 300, technicians: 40, seed: 1).scenario()
            let places = Dictionary(day.orders.map { ($0.id, $0.location) }, uniquingKeysWith: { first, _ in first })
            func drive(to first: PlannedVisit) -> Int {
                let before = before.visits.filter { $0.technician == first.technician && $0.end <= first.start }.max { $0.end < $1.end }
                guard let from = before.flatMap({ places[$0.order] }), let to = places[first.order] else { return 0 }
                return day.travel.minutes(from: from, to: to)
            }
            let (firstOnTime, onTime) = try #require(pairs.first { drive(to: $0.0) > Reaction.thresholdMinutes })
            _ = try await Self.begin(firstOnTime, operations, clock: clock)
            clock.set(onTime.start)
            _ = try await operations.setStatus(
                order: firstOnTime.order, to: .completed,
                details: Self.results(try #require(orders[firstOnTime.order]).order), actor: firstOnTime.technician)
            let report = try await operations.setStatus(order: onTime.order, to: .enRoute, actor: onTime.technician)
            #expect(report.reaction == nil, "on time, yet re-planned: \(report.reaction.map { "\($0)" } ?? "")")
            #expect(try await Self.published(database).visits.first { $0.order == onTime.order } == onTime)

            // The first half of another pair overruns by 20 minutes: its second half is delayed.
            let (first, second) = try #require(pairs.first { $0.0.noticeAt > onTime.start && $0.0.technician != onTime.technician })
            _ = try await Self.begin(first, operations, clock: clock)
            clock.set(second.start.adding(minutes: 20))
            _ = try await operations.setStatus(
                order: first.order, to: .completed,
                details: Self.results(try #require(orders[first.order]).order), actor: first.technician)
            let late = try await operations.setStatus(order: second.order, to: .enRoute, actor: second.technician)
            #expect(late.reactionRefused == nil, "\(late.reactionRefused ?? "")")
            #expect(late.reaction != nil)
            let after = try await Self.published(database)
            let delayed = try #require(after.visits.first { $0.order == second.order })
            #expect(delayed.start >= clock.now() && delayed.technician == second.technician)
            #expect(after.visits.first { $0.order == first.order } == first)
            #expect(try await Self.violations(operations) == [])
            // A full re-plan of the running day keeps the second half where it was announced again.
            let replanned = try await Self.replanRunningDay(operations, database, clock: clock, seed: 5)
            #expect(replanned.visits.first { $0.order == second.order }?.start == delayed.start)
            #expect(try await Self.violations(operations) == [])
        }
    }

    /// Found by `bench/simulate.sh` (PostgreSQL, 14 of 30 days): a visit planned at 14:21 came
    /// forward to 14:00 when the job before it finished early (its 14:21 notice cancelled, the
    /// 14:00 one delivered); the technician then set off late and the reaction moved it back to
    /// 14:21, but the pre-arrival notice for 14:21 was not queued again (its key existed,
    /// cancelled), so the customer waited 21 minutes untold.
    @Test(
        "A notice cancelled earlier is queued again when the same notice is wanted again; a pending or sent one is not",
        arguments: Backend.all)
    func cancelledNoticeIsQueuedAgain(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            _ = try await Self.plannedDay(database, clock: clock)
            let notice = try #require(try await database.store.transaction { try $0.pendingNotices(onDay: Self.date) }.first)
            let later = clock.now().adding(minutes: 5)
            let outcome = try await database.store.transaction { tx -> (Bool, Bool, Bool, Bool) in
                let cancelled = try tx.cancelNotice(notice.id, at: clock.now())
                let again = try tx.queueNotice(notice.draft, at: later)
                let twice = try tx.queueNotice(notice.draft, at: later)
                let stored = try tx.notices(of: notice.draft.order).first { $0.draft.key == notice.draft.key }
                return (cancelled, again, twice, stored?.isPending == true && stored?.createdAt == later)
            }
            #expect(outcome.0, "the case: the notice was cancelled")
            #expect(outcome.1, "queued again after its cancellation")
            #expect(!outcome.2, "a pending notice is not queued twice")
            #expect(outcome.3, "pending again, as queued now")
        }
    }

    @Test(
        "An urgent repair arriving during the day is placed around the published visits at once, nothing else moving",
        arguments: Backend.all)
    func urgentRepairIsPlaced(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            var day = OperationFixtures.day()
            _ = try await database.store.importScenario(day)
            let clock = TestClock("2026-11-22T20:00:00+08:00")
            let operations = DispatchOperations(store: database.store, clock: clock)
            try await OperationFixtures.planAndPublish(operations)
            let before = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            #expect(try await operations.placeArrivals(on: OperationFixtures.date, actor: "desk") == nil)  // nothing new
            clock.set("2026-11-23T10:00:00+08:00")
            day.orders.append(
                OperationFixtures.order(
                    "WO-U", .repair, .broadband, customer: "C-3001", lat: 31.232, lon: 121.469,
                    reported: "2026-11-23T09:45:00+08:00"))
            _ = try await database.store.importScenario(day)
            let outcome = try #require(try await operations.placeArrivals(on: OperationFixtures.date, actor: "desk"))
            #expect(outcome.scheduled == ["WO-U"])
            let after = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            let placed = try #require(after.visits.first { $0.order == "WO-U" })
            #expect(placed.start >= clock.now().adding(minutes: 30))
            for visit in before.visits { #expect(after.visits.contains(visit), "\(visit.order) moved") }
            guard let (scenario, plan, _, earlier, finished) = try await operations.publishedForCheck(OperationFixtures.date) else {
                return
            }
            #expect(PlanChecker(scenario: scenario, earlier: earlier, finished: finished).violations(of: plan) == [])
        }
    }

    @Test("A customer not at home takes only their own visit off the plan; every other visit stays", arguments: Backend.all)
    func customerAbsentDisplacesNobody(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let orders = try await database.store.transaction { try $0.orders(on: Self.date) }
            let singles = orders.filter { $0.order.group == nil && $0.order.window != nil && $0.state == .confirmed }.prefix(8)
            #expect(singles.count == 8)
            // The reports come from the visits' day (a report the day before is refused).
            clock.set("2026-11-23T06:00:00+08:00")
            for (index, stored) in singles.enumerated() {
                let before = try await Self.published(database)
                guard before.visits.contains(where: { $0.order == stored.order.id }) else { continue }
                clock.set(Instant(secondsSinceEpoch: clock.now().secondsSinceEpoch + 60 * (index + 1)))
                _ = try await operations.setStatus(order: stored.order.id, to: .enRoute, actor: "T")
                _ = try await operations.setStatus(order: stored.order.id, to: .customerAbsent, actor: "T")
                let after = try await Self.published(database)
                for visit in before.visits where visit.order != stored.order.id {
                    if !after.visits.contains(visit) { Issue.record("absence at \(stored.order.id) moved or dropped \(visit.order)") }
                }
                #expect(try await Self.violations(operations) == [])
            }
        }
    }

    @Test("A customer absent on one order of a pair keeps the partner's completed visit", arguments: Backend.all)
    func customerAbsentKeepsCompletedPartner(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            let before = try await Self.published(database)
            let orders = try await database.store.transaction { try $0.orders(on: Self.date) }
            let pair = try #require(
                Dictionary(grouping: before.visits.filter { $0.group != nil }, by: { $0.group! })
                    .filter { $0.value.count == 2 }.min { $0.key < $1.key }?.value.sorted { $0.order < $1.order })
            let (done, absent) = (pair[0], pair[1])
            clock.set("2026-11-23T07:00:00+08:00")
            for state in [OrderState.enRoute, .onSite] {
                _ = try await operations.setStatus(order: done.order, to: state, actor: "T")
            }
            let install = orders.first { $0.order.id == done.order }!.order
            _ = try await operations.setStatus(order: done.order, to: .completed, details: Self.results(install), actor: "T")
            _ = try await operations.setStatus(order: absent.order, to: .enRoute, actor: "T")
            _ = try await operations.setStatus(order: absent.order, to: .customerAbsent, actor: "T")
            let after = try await Self.published(database)
            let kept = after.visits.contains { $0.order == done.order && $0.technician == done.technician && $0.start == done.start }
            #expect(kept, "the completed visit of \(done.order) left the plan or moved")
            #expect(!after.visits.contains { $0.order == absent.order })
            let states = try await Self.states(database)
            #expect(states[done.order] == .completed && states[absent.order] == .rebooking)
            #expect(try await Self.violations(operations) == [])
        }
    }

    @Test("Re-planning the running day keeps every notified visit, a pair done back to back included", arguments: Backend.all)
    func replanKeepsLockedVisits(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            clock.set("2026-11-23T08:00:00+08:00")
            _ = try await operations.sendNotices(to: CollectingSink())
            let before = try await Self.published(database)
            let states = try await Self.states(database)
            let notified = before.visits.filter { states[$0.order] == .notified }
            // The case this is about: a pair one technician does back to back, both locked.
            #expect(
                notified.contains { visit in
                    visit.group != nil
                        && notified.contains { $0.group == visit.group && $0.technician == visit.technician && $0.order != visit.order }
                })
            _ = try await OperationFixtures.planAndPublish(operations, Self.date)
            let after = try await Self.published(database)
            for visit in notified where !after.visits.contains(visit) { Issue.record("re-plan moved or dropped notified \(visit.order)") }
            #expect(try await Self.states(database).filter { $0.value == .notified }.count == notified.count)
            #expect(try await Self.violations(operations) == [])
        }
    }

    @Test(
        "A plan computed before a notice went out is rebased: published, the notified visits where they were announced",
        arguments: Backend.all)
    func stalePlanIsRebased(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = try await Self.plannedDay(database, clock: clock)
            clock.set("2026-11-23T07:40:00+08:00")
            let (scenario, version, revision) = try #require(try await operations.planningDay(Self.date))
            var day = scenario
            day.now = clock.now()
            let plan = Solver(scenario: day, options: SolverOptions(seed: 2, iterations: 100)).plan()
            // Meanwhile the morning's first notices go out: the day moves on.
            let sent = try await operations.sendNotices(to: CollectingSink())
            #expect(sent.sent > 0)
            let before = try await Self.published(database)
            let notified = try await Self.states(database).filter { $0.value == .notified }.map(\.key)
            #expect(!notified.isEmpty)
            let published = try await operations.publish(
                Proposal(plan: plan, basedOn: version, revision: revision, seed: 2), actor: "planner")
            #expect(published.rebase?.why.contains("the day changed while the plan was computed") == true)
            let after = try await Self.published(database)
            #expect(after.version == (version ?? 0) + 1)
            // Every announced visit is where its notice said, and still notified.
            for id in notified {
                #expect(after.visits.first { $0.order == id } == before.visits.first { $0.order == id }, "\(id)")
            }
            #expect(try await Self.states(database).filter { $0.value == .notified }.count == notified.count)
            #expect(try await Self.violations(operations) == [])
        }
    }

    @Test("The 01:15 nightly run plans the day about to start; after its first shift began, the next day")
    func nightlyCoversTheDayAboutToStart() async throws {
        try await TestDatabase.with(.sqlite) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(OperationFixtures.day())
            let early = DispatchOperations(store: database.store, clock: TestClock("2026-11-23T01:15:00+08:00"))
            let options = NightlyOptions(firstDay: nil, days: 1, seconds: 0.2, dryRun: true, distributed: false)
            #expect(try await early.nightly(options).firstDay == Self.date)
            let late = DispatchOperations(store: database.store, clock: TestClock("2026-11-23T10:00:00+08:00"))
            #expect(try await late.nightly(options).firstDay == Self.date.adding(days: 1))
        }
    }
}

/// What a hook did while an operation was under way (see `OperationHooks`).
actor Meanwhile {
    private var claimed = false
    private(set) var result: Result<StatusChange, any Error>?

    /// True the first time only.
    func claim() -> Bool {
        defer { claimed = true }
        return !claimed
    }

    func record(_ result: Result<StatusChange, any Error>) { self.result = result }
}

import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import PlanCheck
import ScenarioFormat
import SchedulingCore
import Testing

/// The nightly re-planning job through the application layer, on each backend.
@Suite("Nightly re-planning", .serialized)
struct NightlyTests {
    static let date = OperationFixtures.date
    static let options = NightlyOptions(firstDay: date, days: 1, seconds: 1)

    /// The fixture day migrated, imported and planned by a first nightly run at 22:00 the evening before.
    static func firstRun(_ database: TestDatabase, _ day: Scenario) async throws -> (DispatchOperations, TestClock) {
        _ = try await database.store.migrate()
        _ = try await database.store.importScenario(day)
        let clock = TestClock("2026-11-22T22:00:00+08:00")
        let operations = DispatchOperations(store: database.store, clock: clock)
        _ = try await operations.nightly(options)
        return (operations, clock)
    }

    /// Fourteen one-hour repairs on one technician: more than a day holds, all movable.
    static func importOverfullDay(_ database: TestDatabase) async throws {
        _ = try await database.store.migrate()
        var day = OperationFixtures.day()
        day.technicians = [day.technicians[0]]
        day.orders = (1...14).map { index in
            OperationFixtures.order(
                String(format: "WO-%02d", index), .repair, .broadband, customer: String(format: "C-3%03d", index),
                lat: 31.20 + Double(index) * 0.004, lon: 121.45, minutes: 60,
                reported: "2026-11-22T\(String(format: "%02d", 8 + index % 10)):00:00+08:00")
        }
        _ = try await database.store.importScenario(day)
    }

    func published(_ database: TestDatabase, _ date: LocalDate = date) async throws -> PublishedPlan? {
        try await database.store.transaction { try $0.publishedPlan(on: date) }
    }

    @Test("The first run plans the day; a second with nothing new publishes nothing", arguments: Backend.all)
    func firstRunAndIdempotentRerun(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(OperationFixtures.day())
            let clock = TestClock("2026-11-22T22:00:00+08:00")
            let operations = DispatchOperations(store: database.store, clock: clock)
            let first = try await operations.nightly(Self.options)
            #expect(first.outcome == .published && first.diffs.first?.version == 1)
            #expect(Set(first.diffs[0].newlyPlanned) == ["WO-A", "WO-B1", "WO-B2", "WO-N", "WO-R"])
            let plan = try #require(try await published(database))
            clock.set("2026-11-22T23:00:00+08:00")
            let second = try await operations.nightly(Self.options)
            #expect(second.outcome == .unchanged && second.diffs[0].version == nil)
            #expect(second.diffs[0].kept.count == 5 && second.diffs[0].changed == 0)
            #expect(try await published(database) == plan)
            let runs = try await operations.nightlyRuns(limit: 5)
            #expect(runs.map(\.outcome) == [.unchanged, .published])
            #expect(runs.allSatisfy { $0.finishedAt != nil && $0.diffs.count == 1 })
        }
    }

    @Test("New orders go around the published visits; notified and booked ones stay", arguments: Backend.all)
    func promisesStay(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            var day = OperationFixtures.day()
            let (operations, clock) = try await Self.firstRun(database, day)
            let before = try #require(try await published(database))
            // WO-A's pre-arrival notice goes out: it is locked.
            let visitA = try #require(before.visits.first { $0.order == "WO-A" })
            clock.set(ServiceTimeZone.utc.rfc3339(visitA.start.adding(minutes: -30)))
            _ = try await operations.sendNotices(to: CollectingSink())
            #expect(try await database.store.transaction { try $0.order("WO-A")?.state } == .notified)
            // Two new orders arrive.
            day.orders.append(
                OperationFixtures.order(
                    "WO-X", .repair, .broadband, customer: "C-2001", lat: 31.231, lon: 121.468,
                    reported: "2026-11-22T21:00:00+08:00"))
            day.orders.append(
                OperationFixtures.order(
                    "WO-Y", .install, .phone, customer: "C-2002", lat: 31.229, lon: 121.47,
                    window: OperationFixtures.window("15:00", "17:00")))
            _ = try await database.store.importScenario(day)
            let report = try await operations.nightly(Self.options)
            let diff = try #require(report.diffs.first)
            #expect(diff.version == 2 && Set(diff.newlyPlanned) == ["WO-X", "WO-Y"])
            #expect(diff.kept.count == before.visits.count && diff.moved.isEmpty && diff.reassigned.isEmpty)
            let after = try #require(try await published(database))
            for visit in before.visits { #expect(after.visits.contains(visit), "\(visit.order) moved") }
            let y = try #require(after.visits.first { $0.order == "WO-Y" })
            #expect(
                y.start >= OperationFixtures.window("15:00", "17:00").start && y.start <= OperationFixtures.window("15:00", "17:00").end)
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])
            // Only the new visits get announcements; nobody's time changed, so no new confirmation.
            let confirmations = try await operations.notices(.pending).filter { $0.draft.key.contains(":moved:") }
            #expect(confirmations.isEmpty)
        }
    }

    @Test("An absence recorded since the last run moves visits or rebooks them before their windows", arguments: Backend.all)
    func absenceSinceLastRun(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            var day = OperationFixtures.day()
            day.technicians[0].skills.append("iptv")  // only T1 can do WO-P
            day.orders.append(
                OperationFixtures.order(
                    "WO-P", .install, .iptv, customer: "C-1005", lat: 31.236, lon: 121.47,
                    window: OperationFixtures.window("10:00", "12:00")))
            _ = try await database.store.importScenario(day)
            let clock = TestClock("2026-11-22T20:00:00+08:00")
            let operations = DispatchOperations(store: database.store, clock: clock)
            _ = try await operations.nightly(Self.options)
            let before = try #require(try await published(database))
            #expect(before.visits.contains { $0.order == "WO-P" && $0.technician == "T1" })
            // T1 is absent, as an import says (no re-plan happens on import).
            day.technicians[0].absent = true
            _ = try await database.store.importScenario(day)
            clock.set("2026-11-22T21:00:00+08:00")
            let report = try await operations.nightly(Self.options)
            let diff = try #require(report.diffs.first)
            #expect(diff.toRebooking.contains("WO-P"))
            let after = try #require(try await published(database))
            #expect(!after.visits.contains { $0.technician == "T1" })
            for order in before.visits.filter({ $0.technician == "T1" }).map(\.order) where !diff.toRebooking.contains(order) {
                #expect(diff.reassigned.contains(order), "\(order) neither reassigned nor rebooked")
            }
            let notice = try #require(
                try await operations.notices(.pending).first { $0.draft.kind == .rebooking && $0.draft.order == "WO-P" })
            #expect(notice.draft.dueAt < OperationFixtures.window("10:00", "12:00").start)
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])
        }
    }

    @Test("A second run while one holds the lock is refused, and does nothing", arguments: Backend.all)
    func concurrentRunRefused(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(OperationFixtures.day())
            let other = try TestDatabase.sibling(of: database)
            #expect(try await other.tryRunLock("nightly"))
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T22:00:00+08:00"))
            await #expect(throws: OperationError.self) { _ = try await operations.nightly(Self.options) }
            #expect(try await published(database) == nil)
            #expect(try await operations.nightlyRuns(limit: 5).isEmpty)
            await other.releaseRunLock("nightly")
            #expect(try await operations.nightly(Self.options).outcome == .published)
            await other.close()
        }
    }

    @Test("With --days, work that fits nowhere moves on to the next day", arguments: Backend.all)
    func unassignedMovesOn(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await Self.importOverfullDay(database)
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T20:00:00+08:00"))
            let report = try await operations.nightly(NightlyOptions(firstDay: Self.date, days: 2, seconds: 1))
            let (first, second) = (report.diffs[0], report.diffs[1])
            #expect(!first.unassigned.isEmpty && first.newlyPlanned.count + first.unassigned.count == 14)
            #expect(Set(second.newlyPlanned) == Set(first.unassigned))
            #expect(report.unassigned.isEmpty)
            let tomorrow = Self.date.adding(days: 1)
            let moved = try await database.store.transaction { try $0.orders(on: tomorrow) }.map(\.order.id)
            #expect(Set(moved) == Set(first.unassigned))
            // A rerun keeps both days as they are.
            let again = try await operations.nightly(NightlyOptions(firstDay: Self.date, days: 2, seconds: 1))
            #expect(again.outcome == .unchanged && again.diffs.allSatisfy { $0.version == nil && $0.changed == 0 })
        }
    }

    /// Issue 26: the job moved the orders it carried to the next day without the lock of the day
    /// they left and without checking them, so a booking made meanwhile was overwritten (the
    /// order moved to the next day with its window on another). Now the move is a compare-and-set
    /// under both days' locks, and a changed order is no longer carried.
    @Test("An order carried to the next day but booked meanwhile keeps its booking", arguments: Backend.all)
    func bookedWhileCarried(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await Self.importOverfullDay(database)
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T20:00:00+08:00"))
            let tomorrow = Self.date.adding(days: 1)
            let later = Self.date.adding(days: 2)
            let booked = BookedOnce()
            var options = NightlyOptions(firstDay: Self.date, days: 2, seconds: 1)
            // While the job plans tomorrow, the call centre books one of the orders it carries for the day after.
            options.beforeWriting = { date, carried in
                guard date == tomorrow, let order = carried.first, booked.claim() else { return }
                let slot = try #require(try await operations.slots(order: order, days: 4).first { $0.day == later })
                _ = try await operations.book(order: order, windowStart: slot.window.start, actor: "call-centre")
                booked.record(order, slot.window)
            }
            let report = try await operations.nightly(options)
            let (order, window) = try #require(booked.booking, "nothing was carried to book")
            let stored = try #require(try await database.store.transaction { try $0.order(order) })
            #expect(stored.serviceDay == later && stored.order.window == window)
            let there = try await database.store.transaction { try $0.publishedPlan(on: later) }
            #expect(there?.visits.contains { $0.order == order && $0.start >= window.start && $0.start <= window.end } == true)
            // Tomorrow was planned again without it: its plan neither visits nor lists it, and holds.
            let next = try #require(try await operations.publishedForCheck(tomorrow))
            #expect(!(next.plan.visits.map(\.order) + next.plan.unassigned.map(\.order)).contains(order))
            #expect(PlanChecker(scenario: next.scenario, earlier: next.earlier, finished: next.finished).violations(of: next.plan) == [])
            #expect(report.diffs.count == 2 && report.diffs[1].version != nil)
        }
    }

    @Test("A run prunes the event feed past --keep-events-days after it publishes; a dry run or nil prunes nothing", arguments: Backend.all)
    func prunesTheFeed(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock) = try await Self.firstRun(database, OperationFixtures.day())
            func kept() async throws -> Int { try await database.store.readTransaction { try $0.feed(after: 0, limit: 1000) }.events.count }
            let made = try await kept()
            #expect(made > 5)  // the import's orders and the first plan's
            // Nine days on: every one of them is past a week.
            clock.set("2026-12-01T22:00:00+08:00")
            var options = Self.options
            options.dryRun = true
            #expect(try await operations.nightly(options).eventsPruned == 0)
            options.dryRun = false
            options.keepEventsDays = nil
            #expect(try await operations.nightly(options).eventsPruned == 0)
            #expect(try await kept() >= made)
            options.keepEventsDays = 10
            #expect(try await operations.nightly(options).eventsPruned == 0)
            options.keepEventsDays = 7
            let before = try await kept()
            let report = try await operations.nightly(options)
            #expect(report.eventsPruned == before)
            #expect(try await kept() == 0)
            #expect(try await database.store.readTransaction { try $0.feed(after: 0, limit: 10) }.prunedThrough == before)
        }
    }

    @Test("A new order that fits nowhere is still published, as unassigned with its reason", arguments: Backend.all)
    func newOrderThatFitsNowhereIsListed(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            var day = OperationFixtures.day()
            let (operations, clock) = try await Self.firstRun(database, day)
            // Nobody holds the skill: the order has no place, but the day's plan must say so.
            var order = OperationFixtures.order("WO-X", .install, .broadband, customer: "C-1009", lat: 31.23, lon: 121.47)
            order.skills = ["fiber_splice"]
            day.orders.append(order)
            _ = try await database.store.importScenario(day)
            clock.set("2026-11-22T23:00:00+08:00")
            let second = try await operations.nightly(Self.options)
            #expect(second.outcome == .published && second.diffs[0].unassigned == ["WO-X"] && second.diffs[0].changed == 0)
            let plan = try #require(try await published(database))
            let document = try PlanJSON.decode(Data(plan.document.utf8), file: "published")
            #expect(document.unassigned.contains { $0.order == "WO-X" && $0.code == .noQualifiedTechnician })
            clock.set("2026-11-23T00:00:00+08:00")
            #expect(try await operations.nightly(Self.options).outcome == .unchanged)
        }
    }

    @Test("Re-optimisation moves a published visit when that lets new work in, and nothing else", arguments: Backend.all)
    func reoptimisationMovesOnlyWhatPays(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            // A short morning: A holds broadband and phone, B only broadband and is not on the day at first.
            func technician(_ id: String, _ skills: [String]) -> Technician {
                var technician = OperationFixtures.technician(id, skills, lat: 31.2304, lon: 121.4737)
                technician.shift = Shift(start: LocalTime(hhmm: "08:30")!, end: LocalTime(hhmm: "11:00")!)
                return technician
            }
            let removal = OperationFixtures.order("WO-M", .removal, .broadband, customer: "C-2001", lat: 31.232, lon: 121.474, minutes: 90)
            let nearby = OperationFixtures.order(
                "WO-S", .repair, .broadband, customer: "C-2003", lat: 31.231, lon: 121.474, minutes: 30,
                reported: "2026-11-22T12:00:00+08:00")
            var day = OperationFixtures.day()
            day.technicians = [technician("A", ["broadband", "phone"])]
            day.orders = [removal, nearby]
            _ = try await database.store.importScenario(day)
            let clock = TestClock("2026-11-22T20:00:00+08:00")
            let operations = DispatchOperations(store: database.store, clock: clock)
            _ = try await operations.nightly(Self.options)
            let first = try #require(try await published(database))
            #expect(Set(first.visits.map(\.order)) == ["WO-M", "WO-S"] && first.visits.allSatisfy { $0.technician == "A" })

            // B joins; a VIP phone repair arrives that only A can do, and only if A's long removal goes to B.
            day.technicians.append(technician("B", ["broadband"]))
            day.orders.append(
                OperationFixtures.order(
                    "WO-P", .repair, .phone, customer: "C-2002", tier: .gold, lat: 31.233, lon: 121.475,
                    minutes: 90, reported: "2026-11-22T18:00:00+08:00"))
            _ = try await database.store.importScenario(day)
            clock.set("2026-11-22T21:00:00+08:00")
            let second = try await operations.nightly(Self.options)
            let diff = try #require(second.diffs.first)
            #expect(second.outcome == .published && diff.newlyPlanned == ["WO-P"] && diff.unassigned.isEmpty, "\(second.outcome) \(diff)")
            // Exactly what pays moved: the long removal to B; the short repair stays with A where it was.
            #expect(diff.reassigned == ["WO-M"] && diff.kept == ["WO-S"] && diff.moved.isEmpty, "\(diff)")
            let plan = try #require(try await published(database))
            #expect(plan.visits.first { $0.order == "WO-P" }?.technician == "A")
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])

            // Nothing new: nothing is searched, nothing changes.
            clock.set("2026-11-22T22:00:00+08:00")
            #expect(try await operations.nightly(Self.options).outcome == .unchanged)
        }
    }

    @Test(
        "Work placed by insertion alone gets a search: the nightly serves as many as a fresh plan of the day; a rerun changes nothing",
        arguments: Backend.all)
    func searchesWhatInsertionPlaced(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            let full = CityDayGenerator(orders: 70, technicians: 6, seed: 5).scenario()
            // The evening's first import: whole jobs (a pair's two orders together) up to 40 orders.
            var first = full
            let groups = Dictionary(grouping: full.orders, by: { $0.group ?? "order:\($0.id)" })
            var kept = Set<String>()
            for order in full.orders where kept.count < 40 {
                for member in groups[order.group ?? "order:\(order.id)"] ?? [] { kept.insert(member.id) }
            }
            first.orders = full.orders.filter { kept.contains($0.id) }
            _ = try await database.store.importScenario(first)
            let clock = TestClock("2026-11-22T20:00:00+08:00")
            let operations = DispatchOperations(store: database.store, clock: clock)
            var options = NightlyOptions(firstDay: Self.date, days: 1)
            options.iterations = 1500
            #expect(try await operations.nightly(options).outcome == .published)

            // The rest of the day arrives and is placed by insertion alone, around the published visits.
            _ = try await database.store.importScenario(full)
            clock.set("2026-11-22T20:30:00+08:00")
            _ = try await operations.placeArrivals(on: Self.date, actor: "import")
            let placed = try #require(try await published(database))
            #expect(Set(placed.visits.map(\.order) + placed.unassigned.map(\.order)).count == full.orders.count)

            // What a fresh plan of the same day serves, on the same budget.
            let (planning, _, _) = try #require(try await operations.planningDay(Self.date))
            var day = planning
            day.now = clock.now()
            let fresh = Solver(scenario: day, options: SolverOptions(seed: 1, iterations: 1500)).plan()

            clock.set("2026-11-22T21:00:00+08:00")
            let searched = try await operations.nightly(options)
            let after = try #require(try await published(database))
            // The case occurred: insertion alone left work the search placed.
            #expect(
                searched.outcome == .published && after.visits.count > placed.visits.count, "\(placed.visits.count) → \(after.visits.count)"
            )
            #expect(after.visits.count >= fresh.visits.count, "nightly \(after.visits.count), fresh \(fresh.visits.count)")
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])

            // Nothing new since: nothing is searched, nothing changes.
            clock.set("2026-11-22T22:00:00+08:00")
            let rerun = try await operations.nightly(options)
            #expect(rerun.outcome == .unchanged && rerun.diffs.first?.version == nil)
            #expect(try await published(database) == after)
        }
    }

    @Test("Through the unit queue: independent territory groups planned by workers, merged and published", arguments: Backend.all)
    func plannedByWorkers(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            var generator = CityDayGenerator(orders: 200, technicians: 24, seed: 5)
            generator.territoryCount = 8
            _ = try await database.store.importScenario(generator.scenario())
            let clock = TestClock("2026-11-22T21:00:00+08:00")
            let operations = DispatchOperations(store: database.store, clock: clock)
            let options = NightlyOptions(firstDay: Self.date, days: 1, seconds: 2, distributed: true)

            // Two workers in this process, as two `dispatch nightly worker` processes would be.
            func work(_ name: String) -> Task<Int, Error> {
                Task {
                    var planned = 0
                    while !Task.isCancelled {
                        // A lease far longer than a unit's 2-s search: on a loaded machine a 5-s lease could
                        // lapse before its renewal runs and the unit be planned twice (fine for the job,
                        // not what this test counts; lapsed leases are NightlyCommandTests' subject).
                        if try await operations.nightlyWork(worker: name, leaseSeconds: 120) {
                            planned += 1
                        } else {
                            // an idle worker polls the queue, as the real one does
                            try? await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    return planned
                }
            }
            let workers = [work("w1"), work("w2")]
            let first = try await operations.nightly(options)
            for worker in workers { worker.cancel() }
            var planned = 0
            for worker in workers { planned += try await worker.value }
            #expect(first.outcome == .published && first.diffs.first?.version == 1)

            // The partition: acme's two sectors together, bolt's two together, the other four alone.
            let units = try await database.store.transaction { try $0.units(run: first.run, day: Self.date) }
            let groups = Set(
                units.map { unit -> [String] in
                    let spec = (try? JSONSerialization.jsonObject(with: Data(unit.spec.utf8))) as? [String: Any]
                    return spec?["territories"] as? [String] ?? []
                })
            #expect(
                groups == [["sector-1", "sector-2"], ["sector-5", "sector-6"], ["sector-3"], ["sector-4"], ["sector-7"], ["sector-8"]])
            #expect(units.allSatisfy { $0.state == "done" && $0.attempts == 1 } && planned == units.count)
            // The merged day keeps every hard rule, and every order is planned or unassigned once.
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])
            let plan = try #require(try await published(database))
            let visited = plan.visits.map(\.order)
            #expect(Set(visited).count == visited.count && visited.count == first.diffs[0].newlyPlanned.count && visited.count > 100)

            // Nothing new: the second run through the queue publishes nothing.
            clock.set("2026-11-22T22:00:00+08:00")
            let again = [work("w3")]
            let second = try await operations.nightly(options)
            for worker in again { worker.cancel() }
            _ = try await again[0].value
            #expect(second.outcome == .unchanged && second.diffs[0].changed == 0)
            #expect(try await published(database) == plan)
        }
    }
}

/// A booking the test makes once, from the job's hook.
final class BookedOnce: @unchecked Sendable {
    // Invariant behind @unchecked Sendable: both fields are touched only under `lock`.
    private let lock = NSLock()
    private var claimed = false
    private var made: (String, TimeWindow)?

    func claim() -> Bool {
        lock.withLock {
            defer { claimed = true }
            return !claimed
        }
    }

    func record(_ order: String, _ window: TimeWindow) { lock.withLock { made = (order, window) } }

    var booking: (String, TimeWindow)? { lock.withLock { made } }
}

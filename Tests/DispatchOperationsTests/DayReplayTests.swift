import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// Whole days replayed through the application layer on each backend, with notices delivered
/// to a real HTTP receiver on loopback.
@Suite("Day replay", .serialized)
struct DayReplayTests {
    /// Import, plan, book from slots, confirmations, the pre-arrival notice at T−30, the visit,
    /// completion, the callback.
    @Test("A day from booking to callback", arguments: Backend.all)
    func bookingToCallback(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            _ = try await database.store.importScenario(OperationFixtures.day())
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = DispatchOperations(store: database.store, clock: clock)
            let receiver = try await NoticeReceiver()
            defer { receiver.stop() }
            let sink = try NoticeSinks.make(receiver.url)

            // The first plan: everything with a window or none, but WO-N which waits for a booking.
            let first = try await OperationFixtures.planAndPublish(operations)
            #expect(first.version == 1)
            #expect(Set(first.scheduled).isSuperset(of: ["WO-A", "WO-B1", "WO-B2", "WO-R"]))

            // Slots for WO-N, then book the best: the visit lands inside the window, nothing else moves.
            clock.set("2026-11-22T10:05:00+08:00")
            let before = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            // Today (the 22nd, no plan yet) is offered too; book on the day being replayed.
            let slots = try await operations.slots(order: "WO-N", days: 2)
            #expect(slots.contains { $0.day == LocalDate(iso: "2026-11-22") })
            let slot = try #require(slots.first { $0.day == OperationFixtures.date })
            let booking = try await operations.book(order: "WO-N", windowStart: slot.window.start, actor: "desk")
            #expect(booking.publish.version == 2)
            #expect(booking.start == slot.start && booking.technicians == slot.technicians)
            let after = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            for visit in before.visits where visit.order != "WO-N" {
                #expect(after.visits.contains(visit), "booking moved \(visit.order)")
            }
            let booked = try #require(after.visits.first { $0.order == "WO-N" })
            #expect(booked.start >= slot.window.start && booked.start <= slot.window.end)
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])

            // The booking confirmation goes out at once; the order stays scheduled (not the evening before yet).
            let morning = try await operations.sendNotices(to: sink)
            #expect(morning.failed.isEmpty)
            #expect(receiver.acknowledged.keys.contains { $0.hasPrefix("confirmation:WO-N:booked:") })
            #expect(try await state("WO-N", database) == .scheduled)

            // 18:00 the evening before: the second confirmation confirms every appointment.
            clock.set("2026-11-22T18:00:00+08:00")
            let evening = try await operations.sendNotices(to: sink)
            #expect(evening.sent >= 3)  // WO-A, the group's contact, WO-N
            #expect(try await state("WO-A", database) == .confirmed)
            #expect(try await state("WO-N", database) == .confirmed)

            // T−30 for WO-A: the pre-arrival notice is delivered and locks the visit.
            let visitA = try #require(after.visits.first { $0.order == "WO-A" })
            clock.set(ServiceTimeZone.utc.rfc3339(visitA.start.adding(minutes: -30)))
            _ = try await operations.sendNotices(to: sink)
            let preArrival = try #require(receiver.deliveries.first { $0.key.hasPrefix("pre_arrival:WO-A:") && $0.status == 202 })
            #expect(preArrival.body["kind"] == "pre_arrival" && preArrival.body["order"] == "WO-A")
            #expect(preArrival.body["planned_start"] == OperationFixtures.zone.rfc3339(visitA.start))
            #expect(preArrival.body["due_at"] == OperationFixtures.zone.rfc3339(visitA.start.adding(minutes: -30)))
            #expect(try await state("WO-A", database) == .notified)
            let locked = try #require(try await database.store.transaction { try $0.order("WO-A") })
            #expect(locked.order.lock == Lock(technicianID: visitA.technician, start: visitA.start))

            // A re-plan now keeps the notified visit exactly where it is.
            _ = try await OperationFixtures.planAndPublish(operations)
            let replanned = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            #expect(replanned.visits.first { $0.order == "WO-A" } == visitA)

            // The visit itself, then the callback task due the same day.
            clock.set(ServiceTimeZone.utc.rfc3339(visitA.start.adding(minutes: -20)))
            _ = try await operations.setStatus(order: "WO-A", to: .enRoute, actor: "T")
            clock.set(ServiceTimeZone.utc.rfc3339(visitA.start))
            _ = try await operations.setStatus(order: "WO-A", to: .onSite, actor: "T")
            await #expect(throws: OperationError.self) {
                _ = try await operations.setStatus(order: "WO-A", to: .completed, actor: "T")  // no speed test
            }
            clock.set(ServiceTimeZone.utc.rfc3339(visitA.end))
            let done = try await operations.setStatus(order: "WO-A", to: .completed, details: ["speed_test_mbps": "94.5"], actor: "T")
            let callbackID = try #require(done.callback)
            let due = try await operations.callbacksDue()
            let callback = try #require(due.first { $0.task.id == callbackID })
            #expect(callback.task.channel == .manual)  // gold is VIP
            #expect(OperationFixtures.zone.local(callback.task.dueAt).date == OperationFixtures.date)
            #expect(!callback.overdue)
            let answered = try await operations.recordCallback(callbackID, answer: .satisfied, reason: nil, agent: "desk")
            #expect(answered.answer == .satisfied)
            #expect(try await operations.callbacksDue().allSatisfy { $0.task.id != callbackID })

            // The trail of WO-A, every step with its actor.
            let trail = try await operations.history(order: "WO-A").map(\.to)
            #expect(trail == [.scheduled, .confirmed, .notified, .enRoute, .onSite, .completed])
        }
    }

    /// An absence recorded after publishing: visits go to others or to rebooking, each rebooking
    /// with a notice due before its window.
    @Test("An absence after publishing rebooks before the windows", arguments: Backend.all)
    func absenceAfterPublishing(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            var day = OperationFixtures.day()
            // T1 is the only one who can do WO-P (iptv), so losing T1 must rebook it.
            day.technicians[0].skills.append("iptv")
            day.orders.append(
                OperationFixtures.order(
                    "WO-P", .install, .iptv, customer: "C-1005", lat: 31.236, lon: 121.47,
                    window: OperationFixtures.window("10:00", "12:00")))
            _ = try await database.store.importScenario(day)
            let clock = TestClock("2026-11-22T10:00:00+08:00")
            let operations = DispatchOperations(store: database.store, clock: clock)
            try await OperationFixtures.planAndPublish(operations)
            let before = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            #expect(before.visits.contains { $0.order == "WO-P" && $0.technician == "T1" })

            clock.set("2026-11-23T07:30:00+08:00")
            let outcome = try #require(
                try await operations.recordAbsence(
                    technician: "T1", day: OperationFixtures.date,
                    reason: "sick", actor: "desk"))
            #expect(outcome.rebooked.contains("WO-P"))
            let after = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            #expect(!after.visits.contains { $0.technician == "T1" })
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])
            let notices = try await operations.notices(.pending)
            for order in outcome.rebooked {
                let stored = try #require(try await database.store.transaction { try $0.order(order) })
                #expect(stored.state == .rebooking)
                let notice = try #require(
                    notices.first { $0.draft.kind == .rebooking && $0.draft.order == order }
                        ?? notices.first { $0.draft.kind == .rebooking && stored.order.group != nil })
                if let window = stored.order.window { #expect(notice.draft.dueAt < window.start) }
                let history = try await operations.history(order: order)
                #expect(history.last?.side == .company)
            }
            // Recording it again changes nothing.
            #expect(try await operations.recordAbsence(technician: "T1", day: OperationFixtures.date, reason: "sick", actor: "desk") == nil)
        }
    }

    /// A customer not at home, and a technician's delay.
    @Test("A customer absent and a delay", arguments: Backend.all)
    func customerAbsentAndDelay(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, plan) = try await OperationFixtures.publishedDay(database)
            let repair = try #require(plan.visits.first { $0.order == "WO-R" })

            // The repair's customer is not at home: absence notice, rebooking (customer side), clock paused.
            clock.set(ServiceTimeZone.utc.rfc3339(repair.start))
            _ = try await operations.setStatus(order: "WO-R", to: .enRoute, actor: "T")
            _ = try await operations.setStatus(order: "WO-R", to: .onSite, actor: "T")
            let absent = try await operations.setStatus(order: "WO-R", to: .customerAbsent, actor: "T")
            #expect(absent.noticesQueued == 1)
            let stored = try #require(try await database.store.transaction { try $0.order("WO-R") })
            #expect(stored.state == .rebooking && stored.deadlinePausedSince == repair.start)
            #expect(try await operations.history(order: "WO-R").last?.side == .customer)
            #expect(try await operations.notices(.due(clock.now())).contains { $0.draft.kind == .absence && $0.draft.order == "WO-R" })
            let withoutRepair = try #require(try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) })
            #expect(!withoutRepair.visits.contains { $0.order == "WO-R" })
            // Booking it again restarts the clock at the new appointment: the deadline moves by the pause.
            let lines = try #require(try await operations.orders(on: OperationFixtures.date))
            let pausedLine = try #require(lines.lines.first { $0.stored.order.id == "WO-R" })
            #expect(pausedLine.deadlinePaused && !pausedLine.late)
            clock.set(ServiceTimeZone.utc.rfc3339(repair.start.adding(minutes: 60)))
            let slots = try await operations.slots(order: "WO-R", days: 1)
            let slot = try #require(slots.first { $0.window.start > clock.now() })
            _ = try await operations.book(order: "WO-R", windowStart: slot.window.start, actor: "desk")
            let rebooked = try #require(try await database.store.transaction { try $0.order("WO-R") })
            #expect(rebooked.deadlinePausedSince == nil)
            #expect(rebooked.deadlinePausedSeconds == repair.start.secondsSinceEpoch.distance(to: slot.window.start.secondsSinceEpoch))

            // The group's technician is 3 hours late: the arrival leaves the window, so it is rebooked.
            let group = try #require(plan.visits.first { $0.order == "WO-B1" })
            clock.set(ServiceTimeZone.utc.rfc3339(group.start.adding(minutes: -60)))
            let delayed = try await operations.delay(order: "WO-B1", minutes: 180, actor: "T")
            #expect(Set(delayed.rebooked) == ["WO-B1", "WO-B2"])
            let window = try #require(OperationFixtures.day().orders.first { $0.id == "WO-B1" }?.window)
            let rebookingNotices = try await operations.notices(.pending).filter { $0.draft.kind == .rebooking }
            #expect(rebookingNotices.count == 1)  // one per customer visit: the group's contact
            #expect(rebookingNotices.allSatisfy { $0.draft.dueAt < window.start })
            // A short delay keeps the promise: the visit moves, nothing is rebooked.
            let visitN = try #require(
                try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) }?
                    .visits.first { $0.order == "WO-A" })
            clock.set(ServiceTimeZone.utc.rfc3339(visitN.start.adding(minutes: -60)))
            let small = try await operations.delay(order: "WO-A", minutes: 10, actor: "T")
            #expect(small.rebooked.isEmpty)
            let moved = try #require(
                try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) }?
                    .visits.first { $0.order == "WO-A" })
            #expect(moved.start == visitN.start.adding(minutes: 10))
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])
        }
    }

    func state(_ order: String, _ database: TestDatabase) async throws -> OrderState? {
        try await database.store.transaction { try $0.order(order)?.state }
    }
}

import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// Collects delivered notices in memory (the property test needs no network).
actor CollectingSink: NoticeSink {
    private(set) var keys: [String] = []
    func deliver(_ notice: StoredNotice) async throws { keys.append(notice.draft.key) }
}

/// Generated days with random bookings, absences, re-plans and notice runs, replayed from the
/// evening before through the day. After every step:
/// - no plan moved a notified visit (same technician, same start as when its notice went out);
/// - no pre-arrival notice is due less than the notice minutes before the start it announces;
/// - no promised window was silently dropped: each is kept (the visit starts inside it) or the
///   order is in rebooking with a notice due before the window (when the window was still ahead);
/// - every slot offered is a slot the booking then keeps, with every published visit unmoved.
/// Each property counts the cases it saw, and the test requires them to have occurred.
@Suite("Promise properties", .tags(.slow))
struct PromisePropertyTests {
    struct Cases {
        var notifiedChecks = 0
        var preArrivalNotices = 0
        var promisesKept = 0
        var promisesRebookedAhead = 0
        var absencesAffectingVisits = 0
        var bookings = 0
    }

    @Test("Random bookings, absences and re-plans keep every promise", arguments: Backend.all)
    func promisesHold(_ backend: Backend) async throws {
        var cases = Cases()
        for seed in UInt64(1)...4 {
            try await TestDatabase.with(backend) { database in
                try await replay(seed: seed, database, &cases)
            }
        }
        #expect(cases.notifiedChecks > 0, "no notified visit was ever re-planned around")
        #expect(cases.preArrivalNotices > 0)
        #expect(cases.promisesKept > 0)
        #expect(cases.promisesRebookedAhead > 0, "no promise was ever lost ahead of its window")
        #expect(cases.absencesAffectingVisits > 0)
        #expect(cases.bookings >= 3, "only \(cases.bookings) bookings")
    }

    func replay(seed: UInt64, _ database: TestDatabase, _ cases: inout Cases) async throws {
        _ = try await database.store.migrate()
        var generated = CityDayGenerator(orders: 70, technicians: 10, seed: seed).scenario()
        // Appointments for two thirds of the orders: two-hour windows on the hour.
        var random = SeededGenerator(seed: seed &* 7919)
        for index in generated.orders.indices where generated.orders[index].window == nil && random.unit() < 0.3 {
            let hour = 9 + Int(random.unit() * 7)
            let start = generated.timeZone.instant(on: generated.date, at: LocalTime(minutesAfterMidnight: hour * 60)!)
            generated.orders[index].window = TimeWindow(start: start, end: start.adding(minutes: 120))
        }
        // Members of a group share the first member's window.
        var groupWindow: [String: TimeWindow?] = [:]
        for index in generated.orders.indices {
            guard let group = generated.orders[index].group else { continue }
            if let window = groupWindow[group] {
                generated.orders[index].window = window
            } else {
                groupWindow[group] = generated.orders[index].window
            }
        }
        // A third of the orders arrive after the first plan, waiting for an appointment.
        var early = generated
        early.orders = generated.orders.enumerated().filter { $0.element.group != nil || $0.offset % 3 != 0 }.map(\.element)
        _ = try await database.store.importScenario(early)
        let date = generated.date
        let zone = generated.timeZone
        let clock = TestClock("2026-11-22T20:00:00+08:00")
        let operations = DispatchOperations(store: database.store, clock: clock)
        let sink = CollectingSink()
        try await OperationFixtures.planAndPublish(operations, date)
        _ = try await database.store.importScenario(generated)

        var announced: [String: Lock] = [:]  // order -> technician and start when notified
        var promises: [String: TimeWindow] = [:]  // order -> window promised in a published plan
        var minute = 20 * 60 - 1440  // minutes after local midnight of the day
        for step in 0..<14 {
            minute += 30 + Int(random.unit() * 90)
            let now = zone.instant(on: date, at: LocalTime(minutesAfterMidnight: 0)!).adding(minutes: minute)
            clock.set(zone.rfc3339(now))
            let before = try await published(database, date)
            for visit in before?.visits ?? [] {
                if let order = try await database.store.transaction({ try $0.order(visit.order) }), let window = order.order.window,
                    [.scheduled, .confirmed, .notified].contains(order.state)
                {
                    promises[visit.order] = window
                }
            }
            let draw = random.unit()
            var eventTime: Instant? = nil
            if draw < 0.3 {
                // Book an order waiting for an appointment, or move one not announced yet, into a
                // slot offered for it.
                let bookable: Set<OrderState> = [.new, .rebooking, .scheduled, .confirmed]
                let waiting = try await database.store.transaction { try $0.orders(on: date) }
                    .filter { bookable.contains($0.state) && $0.order.group == nil }
                if !waiting.isEmpty {
                    let order = waiting[Int(random.unit() * Double(waiting.count))]
                    let slots = try await operations.slots(order: order.order.id, days: 2).filter { $0.day == date }
                    if !slots.isEmpty {
                        let slot = slots[Int(random.unit() * Double(slots.count))]
                        let kept = try await published(database, slot.day)
                        let booking = try await operations.book(order: order.order.id, windowStart: slot.window.start, actor: "desk")
                        cases.bookings += 1
                        promises[order.order.id] = booking.window
                        let after = try #require(try await published(database, slot.day))
                        let visit = try #require(after.visits.first { $0.order == order.order.id })
                        #expect(visit.start >= slot.window.start && visit.start <= slot.window.end)
                        #expect(booking.start == slot.start)
                        for old in kept?.visits ?? [] where old.order != order.order.id { #expect(after.visits.contains(old)) }
                    }
                }
            } else if draw < 0.45 {
                let busy = Set((before?.visits ?? []).map(\.technician)).sorted()
                if !busy.isEmpty {
                    let technician = busy[Int(random.unit() * Double(busy.count))]
                    eventTime = now
                    if try await operations.recordAbsence(technician: technician, day: date, reason: "step \(step)", actor: "desk") != nil {
                        cases.absencesAffectingVisits += 1
                    }
                }
            } else if draw < 0.65 {
                eventTime = now
                try await OperationFixtures.planAndPublish(operations, date)
            }
            _ = try await operations.sendNotices(to: sink)

            // Properties.
            let current = try await published(database, date)
            let orders = Dictionary(
                try await database.store.transaction { try $0.orders(on: date) }.map { ($0.order.id, $0) },
                uniquingKeysWith: { first, _ in first })
            for (id, lock) in announced {
                guard let order = orders[id], OrderWorkflow.locked.contains(order.state) else { continue }
                let visit = current?.visits.first { $0.order == id }
                #expect(visit?.technician == lock.technicianID && visit?.start == lock.start, "notified \(id) moved")
                cases.notifiedChecks += 1
            }
            for (id, order) in orders where order.state == .notified && announced[id] == nil {
                if let lock = order.order.lock { announced[id] = lock }
            }
            let notices = try await operations.notices(.all)
            for notice in notices where notice.draft.kind == .preArrival {
                let start = try #require(notice.draft.plannedStart)
                #expect(notice.draft.dueAt <= start.adding(minutes: -generated.policy.noticeMinutes))
                cases.preArrivalNotices += 1
            }
            for (id, window) in promises {
                guard let order = orders[id] else { continue }
                if let visit = current?.visits.first(where: { $0.order == id }) {
                    let arrival = current?.visits.filter { $0.group != nil && $0.group == visit.group }.map(\.start).min() ?? visit.start
                    #expect(arrival >= window.start && arrival <= window.end, "\(id) planned outside its promised window")
                    cases.promisesKept += 1
                } else if order.state == .rebooking {
                    let members =
                        order.order.group.map { group in orders.values.filter { $0.order.group == group }.map(\.order.id) } ?? [id]
                    let notice = notices.first { $0.draft.kind == .rebooking && members.contains($0.draft.order) }
                    #expect(notice != nil, "\(id) went to rebooking without a notice")
                    if let notice, let eventTime, eventTime < window.start, notice.createdAt == eventTime {
                        #expect(notice.draft.dueAt < window.start)
                        cases.promisesRebookedAhead += 1
                    }
                    promises[id] = nil
                } else {
                    #expect(
                        OrderWorkflow.closed.contains(order.state) || order.state == .customerAbsent,
                        "\(id) was promised \(window) and is \(order.state) without a visit")
                }
            }
        }
        #expect(try await OperationFixtures.hardRuleViolations(database, date) == [])
    }

    func published(_ database: TestDatabase, _ date: LocalDate) async throws -> PublishedPlan? {
        try await database.store.transaction { try $0.publishedPlan(on: date) }
    }
}

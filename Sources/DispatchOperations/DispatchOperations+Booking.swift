import DispatchStore
import SchedulingCore

/// A window the published plans can really keep for an order.
public struct Slot: Sendable, Hashable {
    public var day: LocalDate
    public var window: TimeWindow
    /// Planned arrival inside the window, and who would come.
    public var start: Instant
    public var technicians: [String]
    /// Objective points the visit adds (travel, contractor price): lower is better.
    public var cost: Int
    public var zone: ServiceTimeZone
}

/// What a booking stored.
public struct Booking: Sendable, Equatable {
    public var orders: [String]
    public var window: TimeWindow
    public var zone: ServiceTimeZone
    public var technicians: [String]
    public var start: Instant
    public var publish: PublishOutcome
}

extension DispatchOperations {
    /// The windows of `lengthMinutes` the published plans of the next `days` days (from today)
    /// can keep for the order (its whole group, for a coordinated visit): each is a trial
    /// insertion into that day's published plan, every published visit kept where it is and
    /// every hard rule honoured. Soonest day first; within a day, least added cost first.
    public func slots(order id: String, days: Int = 7, lengthMinutes: Int = 120) async throws -> [Slot] {
        guard days >= 1, days <= 60 else { throw OperationError.badInput("the days to look ahead must be between 1 and 60") }
        guard lengthMinutes >= 15, lengthMinutes <= 720 else {
            throw OperationError.badInput("a window must last between 15 and 720 minutes")
        }
        return try await read { context in
            let order = try context.requireOrder(id)
            try context.requireBookable(order)
            return try context.slots(for: order, days: days, lengthMinutes: lengthMinutes, limit: nil)
        }
    }

    /// Agrees the window starting at `windowStart` with the customer: stores the appointment (on
    /// the window's day), inserts the visit into that day's plan as a new published version with
    /// every other visit kept, and queues the confirmation, all in one transaction. Refused
    /// (bad input) when the window cannot be kept.
    public func book(order id: String, windowStart: Instant, lengthMinutes: Int = 120, actor: String) async throws -> Booking {
        guard lengthMinutes >= 15, lengthMinutes <= 720 else {
            throw OperationError.badInput("a window must last between 15 and 720 minutes")
        }
        return try await perform { context in
            let unlocked = try context.requireOrder(id)
            // The order's day for its zone alone (a waiting day may hold thousands of orders).
            let zone = try context.tx.zone(of: unlocked.serviceDay) ?? context.day(unlocked.serviceDay, like: unlocked.serviceDay).timeZone
            let date = zone.local(windowStart).date
            // A new target day's row must exist before it can be locked with the order's day.
            try context.tx.ensureServiceDay(date, like: unlocked.serviceDay)
            let order = try context.lockedOrder(id, also: [date])
            try context.requireBookable(order)
            let window = TimeWindow(start: windowStart, end: windowStart.adding(minutes: lengthMinutes))
            let work = try context.bookableWork(of: order)
            let previous = try context.tx.publishedPlan(on: date, lock: true)
            let scenario = try context.day(date, with: work, like: order.serviceDay)
            let kept = KeptDay(day: scenario, kept: previous?.visits ?? [])
            if let why = try context.tx.calendar().nonWorking(date) {
                throw OperationError.badInput("\(date) is \(why): nothing is booked on a day not worked (dispatch calendar show)")
            }
            guard let trial = kept.adding(work.map(\.order), window: window, now: context.now) else {
                var refusal = OperationError.badInput(
                    "no technician can keep \(zone.rfc3339(window.start))–\(zone.local(window.end).time) "
                        + "for order \(id) without moving a published visit; "
                        + "run 'dispatch slots --order \(id)' for the windows that can be kept"
                )
                refusal.slug = "slot-taken"
                throw refusal
            }
            // Leave the old day first, when the appointment moves the order to another day.
            if let moving = work.first(where: { $0.serviceDay != date }) {
                try context.leaveDay(moving.serviceDay, orders: Set(work.map(\.order.id)), to: date, actor: actor)
            }
            for member in work {
                try context.tx.setAppointment(member.order.id, day: date, window: window, bookedAt: context.now, locked: try context.locked)
            }
            let plan = context.merged(trial, previous: previous, day: scenario)
            let outcome = try context.publish(
                plan, day: scenario, previous: previous, cause: "book \(id)", actor: actor,
                lostReason: "another booking could not keep this visit")
            // The booking confirmation goes to the customer through the contact's order.
            let visits = plan.visits.filter { visit in work.contains { $0.order.id == visit.order } }
            guard let contact = visits.first(where: { $0.contact || $0.group == nil }) ?? visits.first,
                let stored = try context.tx.order(contact.order)
            else {
                throw OperationError.conflict("order \(id) was booked but is missing from the plan it was booked into")
            }
            let technician = scenario.technicians.first { $0.id == contact.technician }
            let composer = NoticeComposer(day: scenario, now: context.now)
            try context.cancelNotices(of: stored.order.id, kinds: [.rebooking])
            let subject = NoticeComposer.Subject(order: stored, technician: technician, plannedStart: contact.start, window: window)
            var published = outcome
            if try context.tx.queueNotice(composer.confirmation(subject, why: "booked"), at: context.now) { published.noticesQueued += 1 }
            for visit in visits {
                context.tx.emit(StoreTransaction.EventType.booked, subject: visit.order, at: context.now, day: date) { zone in
                    [
                        "order": visit.order.json, "day": date.description.json, "by": actor.json,
                        "window": ["start": zone.rfc3339(window.start).json, "end": zone.rfc3339(window.end).json],
                        "visit": ["technician": visit.technician.json, "start": zone.rfc3339(visit.start).json],
                    ]
                }
            }
            return Booking(
                orders: work.map(\.order.id), window: window, zone: scenario.timeZone,
                technicians: Array(Set(visits.map(\.technician))).sorted(), start: contact.start, publish: published)
        }
    }
}

extension OperationContext {
    /// States of an order still waiting for a visit, or with one not yet announced: it may be booked.
    static let bookable: Set<OrderState> = [.new, .rebooking, .scheduled, .confirmed]

    /// Booking is for orders still waiting for a visit or moving one not yet announced.
    func requireBookable(_ order: StoredOrder) throws {
        guard Self.bookable.contains(order.state) else {
            throw OperationError.badInput(
                "order \(order.order.id) is \(order.state): only new, rebooking, scheduled or confirmed orders can be booked")
        }
    }

    /// What a booking of `order` moves: the members of its coordinated visit that may be booked
    /// (a member whose visit happened stays where it happened; found by the concurrency harness).
    func bookableWork(of order: StoredOrder) throws -> [StoredOrder] {
        try work(of: order).filter { Self.bookable.contains($0.state) }
    }

    /// Publishes `day` without `orders` (they are moving to `target`), keeping everything else.
    /// The day's plan no longer names them, whether they were visited or listed as unassigned.
    func leaveDay(_ date: LocalDate, orders: Set<String>, to target: LocalDate, actor: String) throws {
        guard let previous = try tx.publishedPlan(on: date, lock: true) else { return }
        let scenario = try day(date, like: date)
        guard
            previous.visits.contains(where: { orders.contains($0.order) })
                || previous.unassigned.contains(where: { orders.contains($0.order) })
        else { return }
        let (plan, _) = KeptDay(day: scenario, kept: previous.visits).keptPlan(excluding: orders)
        _ = try publish(
            merged(plan, previous: previous, day: scenario, dropping: orders), day: scenario,
            previous: previous, cause: "moved to \(target)", actor: actor,
            lostReason: "a visit moved to another day could not be kept", leaving: orders)
    }

    /// The windows the published plans can keep for the order (see `DispatchOperations.slots`).
    /// `known` holds days the caller has read in this transaction (the day being published: its
    /// scenario and its new visits), not read again.
    func slots(
        for order: StoredOrder, days: Int, lengthMinutes: Int, limit: Int?,
        known: (scenario: Scenario, visits: [PlannedVisit])? = nil
    ) throws -> [Slot] {
        let work = try bookableWork(of: order)
        // Nothing to book (a visit announced before it was lost): no day is read for it.
        guard !work.isEmpty else { return [] }
        let home =
            try known.flatMap { $0.scenario.date == order.serviceDay ? $0.scenario : nil } ?? day(order.serviceDay, like: order.serviceDay)
        let today = home.timeZone.local(now).date
        var found: [Slot] = []
        for offset in 0..<days {
            let date = today.adding(days: offset)
            let same = known.flatMap { $0.scenario.date == date ? $0 : nil }
            let scenario = including(work, in: try same?.scenario ?? tx.scenario(on: date) ?? borrowed(home, date: date))
            let windows = candidateWindows(scenario, lengthMinutes: lengthMinutes)
            guard !windows.isEmpty else { continue }
            let visits = try same?.visits ?? tx.publishedPlan(on: date)?.visits ?? []
            let fits = KeptDay(day: scenario, kept: visits).fits(work.map(\.order), windows: windows, now: now)
            let daySlots = zip(windows, fits).compactMap { window, fit in
                fit.map {
                    Slot(day: date, window: window, start: $0.start, technicians: $0.technicians, cost: $0.cost, zone: scenario.timeZone)
                }
            }
            found += daySlots.sorted { ($0.cost, $0.window.start) < ($1.cost, $1.window.start) }
            if let limit, found.count >= limit { return Array(found.prefix(limit)) }
        }
        return found
    }

    /// A day not imported yet, as `home` plans it (settings, technicians with their absences of
    /// that day), with no orders.
    func borrowed(_ home: Scenario, date: LocalDate) throws -> Scenario {
        var scenario = home
        scenario.date = date
        scenario.name = "\(date)"
        scenario.technicians = try tx.technicians(absentOn: date)
        scenario.orders = []
        return scenario
    }

    /// Windows starting on the hour from the earliest shift start until the latest shift end,
    /// that still close after the notice allows. (A window may end after the shifts do: the
    /// visit only has to start inside it.)
    func candidateWindows(_ day: Scenario, lengthMinutes: Int) -> [TimeWindow] {
        let earliestStart = now.adding(minutes: day.policy.noticeMinutes)
        return allWindows(day, lengthMinutes: lengthMinutes).filter { $0.end >= earliestStart }
    }
}

import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

/// What publishing a plan version changed.
public struct PublishOutcome: Sendable, Equatable {
    public var day: LocalDate
    public var version: Int
    /// Orders that became `scheduled` with this version.
    public var scheduled: [String] = []
    /// Orders whose promise could not be kept: now in `rebooking`, with a notice.
    public var rebooked: [String] = []
    /// Orders without a promise this version leaves unassigned: back to `new`.
    public var unassigned: [String] = []
    /// Notices queued by this version.
    public var noticesQueued = 0
}

extension OperationContext {
    /// Stores `plan` as the day's next version, in this transaction, and brings orders and
    /// notices in line with it:
    /// - a planned order that was `new` or `rebooking` becomes `scheduled`; a confirmed visit
    ///   whose technician or start moved needs confirming again;
    /// - the customer-facing visit (the single order, or the group's contact) gets its
    ///   pre-arrival notice due `notice` minutes before the start, and, for an appointment, the
    ///   evening-before confirmation (stale unsent ones are cancelled);
    /// - a visit of the previous version that is gone: with a promise (a window, or a notified
    ///   visit) the order goes to `rebooking` with a notice due now, before the window; without
    ///   one, back to `new`.
    ///
    /// `previous` is the version the plan was computed from: when another was published since,
    /// nothing is written and a conflict is thrown. A visit whose customer was told who comes
    /// when, or whose work began (notified, en route, on site), keeps its technician and start in
    /// every version unless this operation `releasing` it is about that very visit (the
    /// technician is late or absent, the order leaves the plan): a plan that would move it
    /// otherwise is refused as a conflict, whatever computed it. `leaving` are orders moving to
    /// another day in this transaction: not listed, whatever their stored day still says. `stored`
    /// are the day's orders when the caller read them after its last change to them (not read again);
    /// `offered` the windows each rebooked customer is offered, when the caller found them before
    /// taking the day's lock (`offers(lostBy:)`; searched here for any order it has none for).
    func publish(
        _ plan: Plan, day: Scenario, previous: PublishedPlan?, cause: String, actor: String,
        lostReason: String, seed: UInt64 = 0, releasing: Set<String> = [], leaving: Set<String> = [],
        stored: [StoredOrder]? = nil, offered: [String: [Slot]]? = nil
    ) throws -> PublishOutcome {
        let newVisits = Dictionary(plan.visits.map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
        let oldVisits = Dictionary((previous?.visits ?? []).map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
        var orders = Dictionary(
            try (stored ?? tx.orders(on: day.date)).map { ($0.order.id, $0) }, uniquingKeysWith: { first, _ in first })
        for id in oldVisits.keys where orders[id] == nil { orders[id] = try tx.order(id) }
        try requireLockedVisitsKept(newVisits, previous: previous, orders: orders, date: day.date, releasing: releasing)
        // An order whose promised visit is lost goes to rebooking: it leaves the day's work, so the
        // version does not list it as unassigned.
        var plan = plan
        let rebooking = Set(
            oldVisits.keys.filter { id in
                guard newVisits[id] == nil, let stored = orders[id] else { return false }
                return Self.rebooksWhenLost(stored, on: day.date)
            })
        if plan.unassigned.contains(where: { rebooking.contains($0.order) }) {
            plan.unassigned.removeAll { rebooking.contains($0.order) }
            plan.kpis.orders = plan.visits.count + plan.unassigned.count
        }
        // Every order of the day's work is listed once, visited or unassigned (H9), whatever
        // computed the plan: the list is checked against the day's orders as they are now, not
        // left to each caller's bookkeeping (an order back in the day's work since the last
        // whole plan is listed too, unassigned with its reason).
        let listed = Set(plan.visits.map(\.order) + plan.unassigned.map(\.order))
        let unlisted = orders.values.filter { stored in
            stored.serviceDay == day.date && OrderWorkflow.dayWork.contains(stored.state)
                && !listed.contains(stored.order.id) && !rebooking.contains(stored.order.id)
                && !leaving.contains(stored.order.id)
        }
        if !unlisted.isEmpty {
            let reasons = explained(Set(unlisted.map(\.order.id)), day: including(unlisted, in: day), visits: plan.visits)
            plan.unassigned = (plan.unassigned + reasons).sorted { $0.order < $1.order }
            plan.kpis.orders = plan.visits.count + plan.unassigned.count
        }
        let document = try PlanJSON.encode(plan, zone: day.timeZone)
        let version = try tx.publish(
            plan, document: document, seed: seed, plannedFor: now, at: now, by: actor,
            cause: cause, expected: previous?.version ?? 0, locked: try lockDays([day.date]))
        var outcome = PublishOutcome(day: day.date, version: version)
        let composer = NoticeComposer(day: day, now: now)
        let technicians = Dictionary(day.technicians.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var lost: [(StoredOrder, PlannedVisit)] = []
        var pending = Dictionary(grouping: try tx.pendingNotices(onDay: day.date), by: \.draft.order)
        for id in oldVisits.keys where orders[id]?.serviceDay != day.date { pending[id] = try tx.notices(of: id).filter(\.isPending) }
        func cancel(_ id: String, _ kinds: [NoticeKind], keeping: (StoredNotice) -> Bool = { _ in false }) throws {
            try cancelNotices(pending[id] ?? [], kinds: kinds, keeping: keeping)
        }

        for id in orders.keys.sorted() {
            guard var stored = orders[id], stored.serviceDay == day.date else { continue }  // moved to another day
            let old = oldVisits[id]
            guard let visit = newVisits[id] else {
                try cancel(id, [.preArrival, .confirmation])
                guard let old else { continue }
                if Self.rebooksWhenLost(stored, on: day.date) {
                    try transition(stored, to: .rebooking, actor: actor, reason: lostReason, side: .company)
                    try tx.setLock(id, nil, locked: try locked)
                    lost.append((stored, old))
                    outcome.rebooked.append(id)
                } else if OrderWorkflow.allows(stored.state, .new) {
                    try transition(stored, to: .new, actor: actor, reason: "unassigned in plan version \(version): \(lostReason)")
                    outcome.unassigned.append(id)
                }
                continue
            }
            let moved = old.map { $0.technician != visit.technician || $0.start != visit.start } ?? false
            // The customer hears of a new time, not of another technician at the same time.
            let retimed = old.map { Stability.retimed(visit.start, from: $0.start) } ?? false
            if stored.state == .new || stored.state == .rebooking {
                if let since = stored.deadlinePausedSince {
                    // The deadline clock restarts when the new appointment starts.
                    let restart = max(since, stored.order.window?.start ?? visit.start)
                    try tx.setDeadlinePause(id, pausedSeconds: stored.deadlinePausedSeconds + since.seconds(until: restart), since: nil)
                }
                try transition(stored, to: .scheduled, actor: actor, reason: "planned in version \(version) (\(cause))")
                stored.state = .scheduled
                outcome.scheduled.append(id)
            } else if (stored.state == .confirmed && retimed) || (stored.state == .notified && moved) {
                try transition(
                    stored, to: .scheduled, actor: actor,
                    reason: "visit moved in version \(version) (\(cause)); to be announced again")
                try tx.setLock(id, nil, locked: try locked)
                stored.state = .scheduled
            } else if moved && (stored.state == .enRoute || stored.state == .onSite) {
                // The technician is on the way, late: the lock follows the visit as it now is, and
                // the customer hears of the new time at once.
                try tx.setLock(id, Lock(technicianID: visit.technician, start: visit.start), locked: try locked)
                if stored.state == .enRoute && (visit.group == nil || visit.contact) {
                    let subject = NoticeComposer.Subject(
                        order: stored, technician: technicians[visit.technician],
                        plannedStart: visit.start, window: stored.order.window)
                    if try tx.queueNotice(composer.preArrival(subject), at: now) { outcome.noticesQueued += 1 }
                }
            }
            guard stored.state == .scheduled || stored.state == .confirmed else { continue }
            guard visit.group == nil || visit.contact else {
                // Only the contact's visit speaks to the customer.
                try cancel(id, [.preArrival, .confirmation])
                continue
            }
            let subject = NoticeComposer.Subject(
                order: stored, technician: technicians[visit.technician],
                plannedStart: visit.start, window: stored.order.window)
            // The notices the visit wants, by key: each is written only when not already waiting.
            var wanted: [(key: String, draft: () -> NoticeDraft)] = [(composer.preArrivalKey(subject), { composer.preArrival(subject) })]
            if subject.window != nil, composer.eveningBefore(visit.start) > now {
                wanted.append((composer.confirmationKey(subject, why: "eve"), { composer.confirmation(subject, why: "eve") }))
            }
            if retimed && subject.window != nil {
                wanted.append((composer.confirmationKey(subject, why: "moved"), { composer.confirmation(subject, why: "moved") }))
            }
            // Stale announcements go; a booking confirmation still on its way stays.
            let keep = Set(wanted.map(\.key))
            try cancel(id, [.preArrival, .confirmation]) {
                keep.contains($0.draft.key) || $0.draft.key.hasPrefix("confirmation:\(id):booked:")
            }
            // One already waiting with the same key is left as it is (queueing it again would not
            // change it): most visits of a new version are where they were, and the statement is saved.
            let waiting = Set((pending[id] ?? []).map(\.draft.key))
            for notice in wanted where !waiting.contains(notice.key) {
                if try tx.queueNotice(notice.draft(), at: now) { outcome.noticesQueued += 1 }
            }
        }

        // Company-side losses: one rebooking notice per customer visit, with windows still open.
        for (stored, old) in lost where old.group == nil || old.contact {
            let offers =
                try offered?[stored.order.id] ?? slots(for: stored, days: 7, lengthMinutes: 120, limit: 3, known: (day, plan.visits))
            let subject = NoticeComposer.Subject(
                order: stored, technician: technicians[old.technician],
                plannedStart: old.start, window: stored.order.window)
            if try tx.queueNotice(composer.rebooking(subject, reason: lostReason, offers: offers), at: now) { outcome.noticesQueued += 1 }
        }
        journal.entries.append(Journal.Entry(plan: plan, previous: previous, outcome: outcome, zone: day.timeZone))
        return outcome
    }

    /// Whether an order of `date` whose visit a version drops goes to rebooking: it was promised
    /// (an appointment window, or a visit announced or begun) and may still be rebooked.
    static func rebooksWhenLost(_ stored: StoredOrder, on date: LocalDate) -> Bool {
        stored.serviceDay == date && (stored.order.window != nil || OrderWorkflow.locked.contains(stored.state))
            && OrderWorkflow.allows(stored.state, .rebooking)
    }

    /// The windows offered to each customer whose promised visit `plan` drops from `previous`
    /// (the rebooking notice lists them), searched from the day as read, before the day's lock
    /// is taken: the search reads the next week's days and tries the order on each.
    func offers(lostBy plan: Plan, day: Scenario, previous: PublishedPlan, orders stored: [StoredOrder]?) throws -> [String: [Slot]] {
        let planned = Set(plan.visits.map(\.order))
        let lost = previous.visits.filter { !planned.contains($0.order) && ($0.group == nil || $0.contact) }
        guard !lost.isEmpty else { return [:] }
        let orders = Dictionary(try (stored ?? tx.orders(on: day.date)).map { ($0.order.id, $0) }, uniquingKeysWith: { first, _ in first })
        var offers: [String: [Slot]] = [:]
        for visit in lost {
            guard let order = try orders[visit.order] ?? tx.order(visit.order), Self.rebooksWhenLost(order, on: day.date) else { continue }
            offers[visit.order] = try slots(for: order, days: 7, lengthMinutes: 120, limit: 3, known: (day, plan.visits))
        }
        return offers
    }

    /// Refuses `plan` when it moves or drops a visit that is locked (notified, en route, on site)
    /// in `previous` and not released by the operation publishing it.
    /// `visits` are the new plan's by order; `orders` holds every order of `previous`, as stored now.
    func requireLockedVisitsKept(
        _ visits: [String: PlannedVisit], previous: PublishedPlan?, orders: [String: StoredOrder], date: LocalDate,
        releasing: Set<String>
    ) throws {
        guard let previous else { return }
        let states = orders.mapValues(\.state)
        // A visit begun or done never moves; one announced moves only for the operation about it.
        for old in previous.visits {
            let state = states[old.order] ?? .new
            guard OrderWorkflow.begun.contains(state) || (OrderWorkflow.locked.contains(state) && !releasing.contains(old.order)) else {
                continue
            }
            guard let new = visits[old.order] else {
                // Dropping an announced visit is the planner's honest answer when it cannot be kept
                // (publishing rebooks it); a visit that happened is never dropped but by its own operation.
                if OrderWorkflow.underway.contains(state) && !releasing.contains(old.order) {
                    throw OperationError.conflict("the plan of \(date) would drop \(old.order), whose visit is \(state); it is refused")
                }
                continue
            }
            if new.technician != old.technician || new.start != old.start {
                throw OperationError.conflict(
                    "the plan of \(date) would move \(old.order), whose visit is \(state) "
                        + "with \(old.technician) at its announced start; it was computed before that and is refused")
            }
        }
    }

    /// Cancels the order's unsent notices of the kinds given.
    func cancelNotices(of order: String, kinds: [NoticeKind]) throws {
        try cancelNotices(try tx.notices(of: order), kinds: kinds)
    }

    /// Cancels those of `notices` still pending and of the kinds given, except those to keep.
    func cancelNotices(_ notices: [StoredNotice], kinds: [NoticeKind], keeping: (StoredNotice) -> Bool = { _ in false }) throws {
        for notice in notices where notice.isPending && kinds.contains(notice.draft.kind) && !keeping(notice) {
            try tx.cancelNotice(notice.id, at: now)
        }
    }

    /// The day's plan as stored in `previous` (or empty), to merge a changed set of visits into.
    func previousPlan(_ previous: PublishedPlan?, day: Scenario) throws -> Plan? {
        try previous?.decoded(on: day.date)
    }

    /// `plan` (visits of a kept day) with the unassigned orders of `previous` still listed as
    /// unassigned, minus those now visited, and the counts made to agree. Every unassigned order's code is
    /// worked out again as of now on `day` (time has passed, technicians may be absent, orders
    /// pinned), so no code carried over from an earlier version is stale.
    func merged(_ plan: Plan, previous: PublishedPlan?, day: Scenario, dropping removed: Set<String> = []) -> Plan {
        var result = plan
        let visited = Set(plan.visits.map(\.order))
        var left = Set(plan.unassigned.map(\.order))
        for item in previous?.unassigned ?? [] where !visited.contains(item.order) { left.insert(item.order) }
        left.subtract(removed)
        result.unassigned = explained(left, day: day, visits: plan.visits)
        result.kpis.orders = result.visits.count + result.unassigned.count
        result.kpis.assigned = result.visits.count
        return result
    }

    /// The codes of the orders `ids` unassigned on a day with `visits`, as of now.
    func explained(_ ids: Set<String>, day: Scenario, visits: [PlannedVisit]) -> [UnassignedOrder] {
        var asOfNow = day
        asOfNow.now = now
        return UnassignedExplainer.explain(ids, day: asOfNow, visits: visits).sorted { $0.order < $1.order }
    }
}

extension Instant {
    func seconds(until later: Instant) -> Int { later.secondsSinceEpoch - secondsSinceEpoch }
}

extension PublishedPlan {
    /// The plan JSON as it was published (the routes and figures the stored rows do not hold).
    func decoded(on date: LocalDate) throws -> Plan {
        try PlanJSON.decode(Data(document.utf8), file: "plan version \(version) of \(date)")
    }
}

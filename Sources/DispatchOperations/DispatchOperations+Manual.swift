import DispatchStore
import Foundation
import SchedulingCore

extension DispatchOperations {
    /// Gives the order (its whole coordinated visit) to `technician`, at `start` when given,
    /// with every other published visit kept; checked against every hard rule first. With `pin`,
    /// the choice also binds later re-plans. `basedOn` is the plan version the dispatcher looked
    /// at: when another was published since, the change is refused as a conflict.
    public func assign(
        order id: String, technician: String, start: Instant? = nil, pin: Bool = false, basedOn: Int? = nil,
        actor: String
    ) async throws -> PublishOutcome {
        try await perform { context in
            try context.assign(order: id, technician: technician, start: start, pin: pin, basedOn: basedOn, actor: actor)
        }
    }

    /// Removes the dispatcher's pin; the visits stay as they are until the next re-plan. When the
    /// day's plan lists the order as unassigned because of the pin ("pinned to T010, who is not
    /// certified"), it is published again with the reason worked out anew (no visit moves).
    public func unpin(order id: String, actor: String) async throws {
        try await perform { context in _ = try context.unpin(order: id, actor: actor) }
    }

    /// Takes the order's visit off the published plan (and its pin): a promised visit goes to
    /// rebooking with a notice, one without a promise back to `new`.
    public func unassign(order id: String, basedOn: Int? = nil, actor: String) async throws -> PublishOutcome? {
        try await perform { context in try context.unassign(order: id, basedOn: basedOn, actor: actor) }
    }

    /// Moves an order without an appointment to another day, planned there around the published
    /// visits (refused when it fits nowhere on that day).
    public func move(order id: String, to date: LocalDate, basedOn: Int? = nil, actor: String) async throws -> PublishOutcome {
        try await perform { context in try context.move(order: id, to: date, basedOn: basedOn, actor: actor) }
    }
}

/// The dispatcher's changes inside one transaction (the public operations above; a desk change
/// and its preview, `DispatchOperations.deskChange`).
extension OperationContext {
    func assign(order id: String, technician: String, start: Instant?, pin: Bool, basedOn: Int?, actor: String) throws
        -> PublishOutcome
    {
        let order = try lockedOrder(id)
        try requireChangeable(order)
        guard try tx.technician(technician) != nil else { throw OperationError.notFound("no technician '\(technician)'") }
        let work = try self.work(of: order)
        let date = order.serviceDay
        let previous = try currentPlan(date, basedOn: basedOn)
        let scenario = try day(date, like: date)
        let members = Set(work.map(\.order.id))
        let kept = KeptDay(day: scenario, kept: (previous?.visits ?? []).filter { !members.contains($0.order) })
        let pinned = work.map { member -> WorkOrder in
            var copy = member.order
            copy.lock = nil
            copy.pin = Pin(technicianID: technician, start: start)
            return copy
        }
        let window = start.map { TimeWindow(start: $0, end: $0) } ?? order.order.window ?? scenario.wholeDay
        if let start, let promised = order.order.window, start < promised.start || start > promised.end {
            throw OperationError.badInput(
                "refused (H2): \(scenario.timeZone.local(start).time) is outside the order's window "
                    + "\(scenario.timeZone.local(promised.start).time)–\(scenario.timeZone.local(promised.end).time)")
        }
        guard let trial = kept.adding(pinned, window: window, now: now) else {
            let verdict = kept.verdicts(for: pinned, window: window, now: now).first { $0.technician == technician }
            throw OperationError.badInput("refused (\(verdict?.rule ?? "H3")): \(technician) \(verdict?.reason ?? "cannot take it")")
        }
        if pin {
            for member in work {
                try tx.setPin(member.order.id, Pin(technicianID: technician, start: start), locked: try locked)
            }
        }
        // An earlier pin the new visit does not keep is the dispatcher's old choice: it goes
        // (a plan may not contradict a pin; found by the concurrency harness as H7).
        for member in work where !pin {
            guard let old = member.order.pin, let visit = trial.visits.first(where: { $0.order == member.order.id }),
                old.technicianID != visit.technician || old.start.map({ $0 != visit.start }) ?? false
            else { continue }
            try tx.setPin(member.order.id, nil, locked: try locked)
            try tx.appendEvent(
                OrderEvent(
                    order: member.order.id, at: now, actor: actor, from: member.state, to: member.state,
                    reason: "unpinned from \(old.technicianID): assigned to \(technician)"))
        }
        let plan = merged(trial, previous: previous, day: scenario)
        let outcome = try publish(
            plan, day: scenario, previous: previous, cause: "\(pin ? "pin" : "assign") \(id) to \(technician)",
            actor: actor, lostReason: "a dispatcher's change could not keep this visit")
        // The order's history says who put it where, whatever its state did.
        for member in work {
            guard let visit = plan.visits.first(where: { $0.order == member.order.id }) else { continue }
            let state = try tx.order(member.order.id)?.state ?? member.state
            try tx.appendEvent(
                OrderEvent(
                    order: member.order.id, at: now, actor: actor, from: state, to: state,
                    reason: "\(pin ? "pinned" : "assigned") to \(visit.technician) at \(scenario.timeZone.local(visit.start).time) by hand "
                        + "(plan version \(outcome.version))"))
        }
        return outcome
    }

    @discardableResult
    func unpin(order id: String, actor: String) throws -> PublishOutcome? {
        let order = try lockedOrder(id)
        let work = try self.work(of: order)
        for member in work where member.order.pin != nil {
            try tx.setPin(member.order.id, nil, locked: try locked)
            try tx.appendEvent(
                OrderEvent(
                    order: member.order.id, at: now, actor: actor, from: member.state,
                    to: member.state, reason: "unpinned from \(member.order.pin?.technicianID ?? "")"))
        }
        return try reexplain(Set(work.map(\.order.id)), on: order.serviceDay, cause: "unpin \(id)", actor: actor)
    }

    func unassign(order id: String, basedOn: Int?, actor: String) throws -> PublishOutcome? {
        let order = try lockedOrder(id)
        try requireChangeable(order)
        let work = try self.work(of: order)
        _ = try currentPlan(order.serviceDay, basedOn: basedOn)
        for member in work { try tx.setPin(member.order.id, nil, locked: try locked) }
        let members = Set(work.map(\.order.id))
        if let outcome = try withdraw(
            members, from: order.serviceDay, cause: "unassign \(id) by \(actor)", actor: actor,
            lostReason: "the dispatcher took the visit off the plan")
        {
            return outcome
        }
        // Not visited: unassigned already, perhaps because of the pin just removed.
        return try reexplain(members, on: order.serviceDay, cause: "unassign \(id) by \(actor)", actor: actor)
    }

    func move(order id: String, to date: LocalDate, basedOn: Int?, actor: String) throws -> PublishOutcome {
        // Both days are locked, earlier day first, so two moves in opposite directions cannot deadlock.
        let order = try lockedOrder(id, also: [date])
        try requireChangeable(order)
        if let window = order.order.window {
            let zone = try tx.zone(of: order.serviceDay)
            let when =
                zone.map { "\($0.local(window.start).time)–\($0.local(window.end).time) \($0.identifier)" } ?? "\(window.start)"
            throw OperationError.badInput(
                "\(id) has an appointment on \(order.serviceDay) (\(when)); rebook it with the "
                    + "customer ('dispatch slots --order \(id)', then 'dispatch book')")
        }
        guard date != order.serviceDay else { throw OperationError.badInput("\(id) is already on \(date)") }
        let work = try self.work(of: order)
        let members = Set(work.map(\.order.id))
        let previous = try currentPlan(date, basedOn: basedOn)
        let scenario = try day(date, with: work, like: order.serviceDay)
        let kept = KeptDay(day: scenario, kept: previous?.visits ?? [])
        let free = work.map { member -> WorkOrder in
            var copy = member.order
            copy.lock = nil
            return copy
        }
        guard let trial = kept.adding(free, window: scenario.wholeDay, now: now) else {
            let reasons = kept.verdicts(for: free, window: nil, now: now).prefix(3).map { "\($0.technician) \($0.reason)" }
            throw OperationError.badInput("refused: \(id) fits nowhere on \(date): " + reasons.joined(separator: "; "))
        }
        for member in work {
            try tx.ensureServiceDay(date, like: order.serviceDay)
            try tx.setServiceDay(member.order.id, date, locked: try locked)
        }
        try leaveDay(order.serviceDay, orders: members, to: date, actor: actor)
        let plan = merged(trial, previous: previous, day: scenario)
        return try publish(
            plan, day: scenario, previous: previous, cause: "move \(id) to \(date)", actor: actor,
            lostReason: "a dispatcher's change could not keep this visit")
    }
}

extension OperationContext {
    /// Publishes the day again, every visit kept as it is, when what it says about the unassigned
    /// `orders` (code and reason; nil: every unassigned order) is no longer true after a change to
    /// them or to the day, such as a pin removed or a shift cut short; nil when the plan does not
    /// list them or still says what is true.
    @discardableResult
    func reexplain(_ orders: Set<String>?, on date: LocalDate, cause: String, actor: String) throws -> PublishOutcome? {
        guard let previous = try tx.publishedPlan(on: date, lock: true) else { return nil }
        let scenario = try day(date, like: date)
        let listed = previous.unassigned.filter { orders?.contains($0.order) ?? true }
        guard !listed.isEmpty else { return nil }
        let (kept, _) = KeptDay(day: scenario, kept: previous.visits).keptPlan(excluding: [])
        let plan = merged(kept, previous: previous, day: scenario)
        guard plan.unassigned.filter({ orders?.contains($0.order) ?? true }) != listed else { return nil }
        return try publish(
            plan, day: scenario, previous: previous, cause: cause, actor: actor,
            lostReason: "the plan changed (\(cause)) and this visit no longer fits")
    }

    /// Announced or started visits are not a dispatcher's to move (H7: locked).
    func requireChangeable(_ order: StoredOrder) throws {
        if OrderWorkflow.locked.contains(order.state) {
            throw OperationError.badInput("refused (H7): \(order.order.id) is \(order.state): the customer was told who comes when")
        }
        if OrderWorkflow.closed.contains(order.state) { throw OperationError.badInput("\(order.order.id) is \(order.state)") }
    }

    /// The day's published plan, locked for this change; a conflict when it is not `basedOn`.
    func currentPlan(_ date: LocalDate, basedOn: Int?) throws -> PublishedPlan? {
        let previous = try tx.publishedPlan(on: date, lock: true)
        if let basedOn, basedOn != (previous?.version ?? 0) {
            throw OperationError.conflict(
                "the plan of \(date) is at version \(previous?.version ?? 0) now, not \(basedOn): someone changed it meanwhile; look again")
        }
        return previous
    }
}

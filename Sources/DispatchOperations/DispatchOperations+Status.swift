import DispatchStore
import Foundation
import SchedulingCore

/// What a status change did besides the transition itself.
public struct StatusChange: Sendable, Equatable {
    public var order: String
    public var from: OrderState
    public var to: OrderState
    /// Callback task created (on completion).
    public var callback: Int?
    /// Plan version published (when the visit left the plan).
    public var publish: PublishOutcome?
    /// Plan version published by the operation reacting to the report (the technician's next
    /// visit re-planned because it would start too late, or could start earlier).
    public var reaction: PublishOutcome?
    /// Why the reaction was not published (the report itself stands).
    public var reactionRefused: String?
    public var noticesQueued = 0
}

extension DispatchOperations {
    /// Moves an order to `state` as a technician or dispatcher reports it, with the effects of
    /// the regulation: completing creates the callback task; a transfer needs its reason; a customer
    /// not at home leaves an absence notice, pauses a repair's deadline clock and sends the
    /// order back to rebooking; rebooking and cancelling take the visit off the published plan.
    /// A coordinated visit is one visit: rebooking, cancelling or an absent customer apply to
    /// every order of the group.
    ///
    /// `details` are the completion fields (e.g. `speed_test_mbps`, required on a broadband install).
    public func setStatus(
        order id: String, to state: OrderState, reason: String? = nil, side: ReasonSide? = nil,
        details: [String: String] = [:], actor: String
    ) async throws -> StatusChange {
        if OrderWorkflow.automatic.contains(state) {
            throw OperationError.badInput(Self.automaticExplanation(state))
        }
        let cleanReason = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        if let cleanReason, cleanReason.count > InputLimits.textLength {
            throw OperationError.badInput(
                "the reason is \(cleanReason.count) characters long; at most \(InputLimits.textLength) are accepted")
        }
        guard id.count <= InputLimits.idLength else { throw OperationError.notFound("no order '\(id.prefix(InputLimits.idLength))…'") }
        let (stored, reacting) = try await perform { context -> (StatusChange, PlannedVisit?) in
            let order = try context.lockedOrder(id)
            if Self.fieldReports.contains(state) { try context.requireNearItsDay(order, reporting: state) }
            guard OrderWorkflow.allows(order.state, state) else {
                let manual = OrderWorkflow.manual(from: order.state).map(\.rawValue)
                throw OperationError.badInput(
                    "order \(id) is \(order.state) and cannot become \(state); from \(order.state) it can become "
                        + (manual.isEmpty ? "nothing by hand" : manual.joined(separator: ", ")))
            }
            let detailText = try Self.validatedDetails(details, for: order, state: state)
            var change = StatusChange(order: id, from: order.state, to: state)
            let planned = try context.tx.publishedVisits(on: order.serviceDay, orders: [id]).first
            switch state {
            case .enRoute, .onSite:
                // The visit is locked where the published plan has it: without one there is nothing
                // to go to (the agenda the report came from is out of date).
                if order.order.lock == nil && planned == nil {
                    throw OperationError.conflict(
                        "order \(id) has no visit in the published plan of \(order.serviceDay); read the agenda again")
                }
                try context.transition(order, to: state, actor: actor, reason: cleanReason, details: detailText)
                try context.lockPublishedVisit(of: order)
            case .completed:
                try context.transition(order, to: state, actor: actor, reason: cleanReason, details: detailText)
                change.callback = try context.createCompletionCallback(order)
            case .transferred:
                guard let cleanReason else {
                    throw OperationError.badInput("a transfer needs a reason (what the cable department must fix)")
                }
                try context.transition(order, to: state, actor: actor, reason: cleanReason, details: detailText)
            case .customerAbsent:
                change = try context.customerAbsent(order, actor: actor, reason: cleanReason, details: detailText)
            case .rebooking, .cancelled:
                guard let cleanReason else { throw OperationError.badInput("\(state) needs a reason") }
                let why = side ?? .company
                let members = try context.work(of: order)
                for member in members {
                    try context.transition(member, to: state, actor: actor, reason: cleanReason, side: state == .rebooking ? why : nil)
                    try context.tx.setLock(member.order.id, nil, locked: try context.locked)
                    try context.cancelNotices(of: member.order.id, kinds: [.preArrival, .confirmation])
                }
                // The day read once, after the transitions: for the re-plan and the notice.
                let read = try context.tx.scenarioAndOrders(on: order.serviceDay)
                change.publish = try context.withdraw(
                    Set(members.map(\.order.id)), from: order.serviceDay,
                    cause: "\(state) of \(id)", actor: actor, day: read)
                if state == .rebooking && why == .company, let contact = try context.customerFacing(members), let day = read?.scenario {
                    let offers = try context.slots(for: contact, days: 7, lengthMinutes: 120, limit: 3)
                    let subject = NoticeComposer.Subject(order: contact, technician: nil, plannedStart: nil, window: contact.order.window)
                    if try context.tx.queueNotice(
                        NoticeComposer(day: day, now: context.now).rebooking(subject, reason: cleanReason, offers: offers),
                        at: context.now)
                    {
                        change.noticesQueued += 1
                    }
                }
            default:
                try context.transition(order, to: state, actor: actor, reason: cleanReason, details: detailText)
            }
            // The technician's report says when they will be free: their next visit follows (below,
            // once the report is stored).
            let followedUp: Set<OrderState> = [.enRoute, .onSite, .completed, .transferred, .customerAbsent]
            return (change, followedUp.contains(state) ? planned : nil)
        }
        // The report stands whatever the reaction makes of it: a re-plan refused (or failed) is
        // not published, and the answer says why, so the phone does not send its report again.
        var change = stored
        if let visit = reacting {
            do {
                change.reaction = try await reactToReport(order: id, visit: visit, state: state, actor: actor)
            } catch let error as OperationError {
                change.reactionRefused =
                    error.category == .conflict || error.category == .badInput
                    ? error.message : "the reaction failed (\(error.category.rawValue)): \(error.message)"
            }
        }
        return change
    }

    /// Publishes the reaction to a report stored a moment ago (see `OperationContext.react`),
    /// computed from a read of the day with no lock held (`replanned`).
    func reactToReport(order id: String, visit: PlannedVisit, state: OrderState, actor: String) async throws -> PublishOutcome? {
        try await replanned(order: id, actor: actor) { context, order in
            try context.reaction(to: order, visit: visit, state: state)
        }
    }

    /// Publishes the re-plan `compute` makes of the order's day, computed from a read of the day
    /// with no lock held: the day's lock is taken only to publish it, and then only while the day
    /// is as it was read (its revision unchanged). When it changed in between, the re-plan is
    /// computed again from a new read, and the last time under the lock (docs/consistency.md,
    /// "Computed before the lock"). Nil when `compute` finds nothing to change.
    func replanned(
        order id: String, actor: String, _ compute: @escaping @Sendable (OperationContext, StoredOrder) throws -> Replan?
    ) async throws -> PublishOutcome? {
        for _ in 0..<Self.optimisticReads {
            let computed = try await read { context -> (Replan, Int)? in
                // The revision first: the day read after it is at least that new.
                guard let order = try context.tx.order(id), let revision = try context.tx.revision(of: order.serviceDay),
                    var replan = try compute(context, order)
                else { return nil }
                // The windows to offer the customers it loses are searched now too, not under the lock.
                replan.offers = try context.offers(
                    lostBy: replan.plan, day: replan.scenario, previous: replan.previous, orders: replan.orders)
                return (replan, revision)
            }
            guard let (replan, revision) = computed else { return nil }
            await hooks.computedBeforeLock?()
            let published = try await perform { context -> PublishOutcome? in
                try context.lockDays([replan.scenario.date])
                guard try context.tx.revision(of: replan.scenario.date) == revision else { return nil }
                return try context.apply(replan, actor: actor)
            }
            if let published { return published }
        }
        return try await perform { context in
            try compute(context, try context.lockedOrder(id)).map { try context.apply($0, actor: actor) }
        }
    }

    /// How many times a re-plan is computed from a read of the day before it is computed under
    /// the day's lock (each time the day changed before it could be published).
    static let optimisticReads = 2

    /// The order's recorded transitions, oldest first.
    public func history(order id: String) async throws -> [OrderEvent] {
        try await read { context in
            _ = try context.requireOrder(id)
            return try context.tx.events(of: id)
        }
    }

    static func automaticExplanation(_ state: OrderState) -> String {
        switch state {
        case .scheduled: return "scheduled is set by publishing a plan (dispatch plan --date D --commit, or dispatch book)"
        case .confirmed: return "confirmed is set when the confirmation notice is delivered (dispatch notices send)"
        case .notified: return "notified is set when the pre-arrival notice is delivered (dispatch notices send)"
        default: return "\(state) is set by re-planning, not by hand"
        }
    }

    /// What a technician reports from the visit itself: taken on the visit's day and the day after
    /// (a completion recorded after midnight), never days before or after it.
    static let fieldReports: Set<OrderState> = [.enRoute, .onSite, .completed, .customerAbsent, .transferred]

    /// The completion fields as a JSON object; a broadband install needs its speed-test result.
    /// Details come with `completed` only; a number is finite and within ±`InputLimits.detailNumber`.
    static func validatedDetails(_ details: [String: String], for order: StoredOrder, state: OrderState) throws -> String? {
        var object: [String: JSONValue] = [:]
        guard details.count <= InputLimits.details else {
            throw OperationError.badInput("at most \(InputLimits.details) completion details are accepted, not \(details.count)")
        }
        guard details.isEmpty || state == .completed else {
            throw OperationError.badInput(
                "details are completion fields (such as speed_test_mbps): send them with completed, not with \(state)")
        }
        for (key, value) in details {
            if let number = Double(value), !(number.isFinite && abs(number) <= InputLimits.detailNumber) {
                throw OperationError.badInput(
                    "detail '\(key.prefix(InputLimits.idLength))' is \(value.prefix(40)): a number must be finite and from "
                        + "-\(Int(InputLimits.detailNumber)) to \(Int(InputLimits.detailNumber))")
            }
        }
        if let speed = details["speed_test_mbps"], !(Double(speed).map(InputLimits.speedTestMbps.contains) ?? false) {
            throw OperationError.badInput(
                "speed_test_mbps is \(speed.prefix(40)): a number of Mbit/s from \(InputLimits.speedTestMbps.lowerBound) to "
                    + "\(Int(InputLimits.speedTestMbps.upperBound))")
        }
        for (key, value) in details {
            guard !key.isEmpty, key.count <= InputLimits.idLength, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw OperationError.badInput(
                    "detail name '\(key.prefix(InputLimits.idLength))' must be 1–\(InputLimits.idLength) letters, digits and _")
            }
            guard value.count <= InputLimits.textLength else {
                throw OperationError.badInput(
                    "detail '\(key)' is \(value.count) characters long; at most \(InputLimits.textLength) are accepted")
            }
            object[key] = Double(value).map(JSONValue.double) ?? .string(value)
        }
        if state == .completed && order.order.type == .install && order.order.service == .broadband {
            guard let speed = details["speed_test_mbps"].flatMap(Double.init), InputLimits.speedTestMbps.contains(speed) else {
                throw OperationError.badInput(
                    "completing broadband install \(order.order.id) needs the speed-test result speed_test_mbps: a number of Mbit/s "
                        + "from \(InputLimits.speedTestMbps.lowerBound) to \(Int(InputLimits.speedTestMbps.upperBound))")
            }
        }
        guard !object.isEmpty else { return nil }
        return JSONValue.object(object).text(escapingSlashes: true)
    }
}

extension OperationContext {
    /// Refuses a report from the field made before the visit's day, or more than a day after it,
    /// in the day's own time zone: a phone whose clock or queue is off must not start or close
    /// a visit of another day.
    func requireNearItsDay(_ order: StoredOrder, reporting state: OrderState) throws {
        let day = order.serviceDay
        let zone = try tx.zone(of: day) ?? .utc
        let today = zone.local(now).date
        let id = order.order.id
        if today < day {
            throw OperationError.badInput(
                "order \(id) is planned for \(day) and it is \(today) in \(zone): \(state) is reported on the visit's day, not before")
        }
        if day.adding(days: 1) < today {
            throw OperationError.badInput(
                "order \(id) was planned for \(day) and it is \(today) in \(zone): \(state) is taken on the visit's day and the day "
                    + "after; a visit further back is corrected by a dispatcher with `dispatch orders history` and a new order")
        }
    }

    /// The order of a group whose visit speaks to the customer: the contact's in the published
    /// plan, else the first by id.
    func customerFacing(_ members: [StoredOrder]) throws -> StoredOrder? {
        guard members.count > 1 else { return members.first }
        if let plan = try tx.publishedPlan(on: members[0].serviceDay),
            let contact = plan.visits.first(where: { visit in visit.contact && members.contains { $0.order.id == visit.order } })
        {
            return members.first { $0.order.id == contact.order }
        }
        return members.first
    }

    /// Locks the order's published visit (technician and start), as a sent notice does: work began.
    func lockPublishedVisit(of order: StoredOrder) throws {
        guard order.order.lock == nil, let visit = try tx.publishedVisits(on: order.serviceDay, orders: [order.order.id]).first
        else { return }
        try tx.setLock(order.order.id, Lock(technicianID: visit.technician, start: visit.start), locked: try locked)
    }

    /// The customer was not at home (Art. 33): the visit is closed as `customer_absent`, an
    /// absence notice is left, a repair's deadline clock pauses, and the group goes to rebooking.
    func customerAbsent(_ order: StoredOrder, actor: String, reason: String?, details: String?) throws -> StatusChange {
        var change = StatusChange(order: order.order.id, from: order.state, to: .customerAbsent)
        // The members whose visit has not ended: a partner already completed keeps its visit.
        let members = try work(of: order).filter { OrderWorkflow.allows($0.state, .customerAbsent) }
        let facing = try customerFacing(members)
        let plan = try tx.publishedPlan(on: order.serviceDay)
        for member in members {
            try transition(member, to: .customerAbsent, actor: actor, reason: reason ?? "customer not at home", details: details)
            var absent = member
            absent.state = .customerAbsent
            try transition(absent, to: .rebooking, actor: actor, reason: "customer not at home", side: .customer)
            try tx.setLock(member.order.id, nil, locked: try locked)
            try cancelNotices(of: member.order.id, kinds: [.preArrival, .confirmation])
            if member.order.type == .repair && member.deadlinePausedSince == nil {
                try tx.setDeadlinePause(member.order.id, pausedSeconds: member.deadlinePausedSeconds, since: now)
            }
        }
        // The day read once, after the transitions: for the notice and the re-plan.
        let day = try tx.scenarioAndOrders(on: order.serviceDay)
        if let facing, let day = day?.scenario {
            let visit = plan?.visits.first { $0.order == facing.order.id }
            let technician = try visit.flatMap { try tx.technician($0.technician) }
            let subject = NoticeComposer.Subject(
                order: facing, technician: technician, plannedStart: visit?.start, window: facing.order.window)
            if try tx.queueNotice(NoticeComposer(day: day, now: now).absence(subject), at: now) { change.noticesQueued += 1 }
        }
        change.publish = try withdraw(
            Set(members.map(\.order.id)), from: order.serviceDay,
            cause: "customer absent for \(order.order.id)", actor: actor, day: day)
        return change
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

import DispatchStore
import SchedulingCore

/// A callback task as the desk sees it.
public struct CallbackItem: Sendable, Equatable {
    public var task: CallbackTask
    /// The latest the call may be made (completion: 3 days after; others: the due time).
    public var latest: Instant
    public var overdue: Bool
}

extension DispatchOperations {
    /// Records a complaint about an order; the customer must be called back within 2 hours (Art. 60).
    public func addComplaint(order id: String, text: String, actor: String) async throws -> (complaint: Int, callback: Int) {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw OperationError.badInput("a complaint needs its text") }
        return try await perform { context in
            let order = try context.requireOrder(id)
            let complaint = try context.tx.addComplaint(order: id, text: text, actor: actor, at: context.now)
            let callback = try context.tx.addCallback(
                order: id, cause: .complaint, complaint: complaint, createdAt: context.now,
                dueAt: context.now.adding(minutes: 120), channel: try context.firstChannel(order))
            return (complaint, callback)
        }
    }

    /// Open callback tasks created by `now`, earliest due first, overdue ones marked.
    public func callbacksDue() async throws -> [CallbackItem] {
        try await read { context in
            try context.tx.openCallbacks(dueBy: nil).filter { $0.createdAt <= context.now }.map { task in
                let latest = task.cause == .completion ? task.createdAt.adding(minutes: 3 * 1440) : task.dueAt
                return CallbackItem(task: task, latest: latest, overdue: context.now > latest)
            }
        }
    }

    /// Records the result of a call: an answer (a dissatisfied one needs its reason, and brings a
    /// manual follow-up call), or, with `answer` nil, an unanswered attempt (the task moves to
    /// the manual channel). Callbacks stay in-house: an agent of a contractor crew is refused.
    public func recordCallback(_ id: Int, answer: CallbackAnswer?, reason: String?, agent: String) async throws -> CallbackTask {
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        if answer == .dissatisfied && reason == nil {
            throw OperationError.badInput("a dissatisfied answer needs the reason")
        }
        return try await perform { context in
            let task = try context.requireCallback(id)
            if let crew = try context.tx.technician(agent)?.crewID {
                throw OperationError.badInput("callbacks stay with the in-house desk (Art. 50-55): \(agent) works for contractor \(crew)")
            }
            guard task.answer == nil else {
                throw OperationError.conflict("callback \(id) was already answered (\(task.answer?.rawValue ?? ""))")
            }
            guard let answer else {
                try context.tx.recordCallbackAttempt(id, channel: .manual)
                return try context.requireCallback(id)
            }
            try context.tx.answerCallback(id, answer: answer, reason: reason, by: agent, at: context.now)
            if answer == .dissatisfied && task.channel == .automatic {
                _ = try context.tx.addCallback(
                    order: task.order, cause: .followUp, complaint: task.complaint, createdAt: context.now,
                    dueAt: context.now.adding(minutes: 24 * 60), channel: .manual)
            }
            return try context.requireCallback(id)
        }
    }
}

extension OperationContext {
    func requireCallback(_ id: Int) throws -> CallbackTask {
        guard let task = try tx.callback(id) else { throw OperationError.notFound("no callback \(id)") }
        return task
    }

    /// Automatic first, manual straight away for VIP customers.
    func firstChannel(_ order: StoredOrder) throws -> CallbackChannel {
        let vip = try tx.vipTiers(on: order.serviceDay).map(Set.init) ?? Policy.defaultVIPTiers
        return vip.contains(order.order.customer.tier) ? .manual : .automatic
    }

    /// Completed installs, moves and repairs get a callback due the same local day (Art. 50-55).
    func createCompletionCallback(_ order: StoredOrder) throws -> Int? {
        guard order.order.type != .removal else { return nil }
        // The zone alone, not the whole day: this runs inside every completion report.
        guard let zone = try tx.zone(of: order.serviceDay) else { throw OperationError.notFound("no service day \(order.serviceDay)") }
        let endOfDay = zone.instant(on: zone.local(now).date, at: LocalTime(minutesAfterMidnight: 1440)!).adding(minutes: -1)
        return try tx.addCallback(
            order: order.order.id, cause: .completion, complaint: nil, createdAt: now,
            dueAt: max(endOfDay, now), channel: try firstChannel(order))
    }
}

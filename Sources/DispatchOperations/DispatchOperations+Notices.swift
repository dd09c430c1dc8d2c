import DispatchStore
import SchedulingCore

/// What a `notices send` run did.
public struct SendReport: Sendable, Equatable {
    /// Notices due when the run started.
    public var due = 0
    /// Acknowledged by the receiver and marked sent now.
    public var sent = 0
    /// Keys whose delivery failed, with the reason (kept on the notice too).
    public var failed: [String: String] = [:]
}

extension DispatchOperations {
    /// The outbox: all notices, or those due now, pending or sent.
    public func notices(_ filter: NoticeFilter) async throws -> [StoredNotice] {
        try await perform { context in try context.tx.notices(filter) }
    }

    /// Delivers every due, unsent notice to `sink` and marks each sent only after the receiver
    /// acknowledged it, with its effects in the same transaction: a delivered pre-arrival notice
    /// locks the visit (`notified`); a delivered confirmation from the evening before on confirms
    /// it. Deliveries run `concurrency` at a time; each batch is marked in one transaction, so a
    /// process killed mid-run repeats at most the deliveries it never recorded.
    public func sendNotices(to sink: any NoticeSink, batchSize: Int = 32, concurrency: Int = 8,
                            progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> SendReport {
        let due = try await perform { context in try context.tx.notices(.due(context.now)) }
        var report = SendReport(due: due.count)
        var done = 0
        for start in stride(from: 0, to: due.count, by: max(1, batchSize)) {
            let batch = Array(due[start..<min(due.count, start + max(1, batchSize))])
            let outcomes = await Self.deliver(batch, to: sink, concurrency: max(1, concurrency))
            let marked = try await perform { context -> Int in
                var marked = 0
                for (notice, failure) in zip(batch, outcomes) {
                    if let failure {
                        try context.tx.recordNoticeFailure(notice.id, error: failure)
                    } else if try context.tx.markNoticeSent(notice.id, at: context.now) {
                        try context.afterDelivery(notice)
                        marked += 1
                    }
                }
                return marked
            }
            report.sent += marked
            for (notice, failure) in zip(batch, outcomes) { if let failure { report.failed[notice.draft.key] = failure } }
            done += batch.count
            progress?(done, due.count)
        }
        return report
    }

    /// Delivers a batch, at most `concurrency` at once; nil where delivered, else the reason.
    static func deliver(_ batch: [StoredNotice], to sink: any NoticeSink, concurrency: Int) async -> [String?] {
        await withTaskGroup(of: (Int, String?).self) { group in
            var results = [String?](repeating: "not delivered", count: batch.count)
            var next = 0
            func launch() {
                let index = next
                let notice = batch[index]
                next += 1
                group.addTask {
                    do {
                        try await sink.deliver(notice)
                        return (index, nil)
                    } catch {
                        return (index, "\(error)")
                    }
                }
            }
            while next < min(concurrency, batch.count) { launch() }
            for await (index, outcome) in group {
                results[index] = outcome
                if next < batch.count { launch() }
            }
            return results
        }
    }
}

extension OperationContext {
    /// What a delivered notice changes: a pre-arrival notice locks the visit as announced; a
    /// confirmation delivered from 18:00 the evening before the visit on is the second confirmation.
    func afterDelivery(_ notice: StoredNotice) throws {
        guard notice.draft.kind == .preArrival || notice.draft.kind == .confirmation,
              let announced = notice.draft.plannedStart, let order = try tx.order(notice.draft.order),
              let plan = try tx.publishedPlan(on: order.serviceDay) else { return }
        // A notice about a visit that moved meanwhile changes nothing (its successor is queued).
        guard let visit = plan.visits.first(where: { $0.order == order.order.id }), visit.start == announced else { return }
        let members = try work(of: order)
        switch notice.draft.kind {
        case .preArrival:
            for member in members where member.state == .scheduled || member.state == .confirmed {
                guard let memberVisit = plan.visits.first(where: { $0.order == member.order.id }) else { continue }
                try tx.setLock(member.order.id, Lock(technicianID: memberVisit.technician, start: memberVisit.start))
                try transition(member, to: .notified, actor: "notices", reason: "pre-arrival notice \(notice.draft.key) delivered")
            }
        case .confirmation:
            let day = try day(order.serviceDay, like: order.serviceDay)
            guard now >= NoticeComposer(day: day, now: now).eveningBefore(announced) else { return }
            for member in members where member.state == .scheduled {
                try transition(member, to: .confirmed, actor: "notices", reason: "confirmation \(notice.draft.key) delivered")
            }
        default: break
        }
    }
}

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
        try await read { context in try context.tx.notices(filter) }
    }

    /// Delivers every due, unsent notice to `sink` and marks each sent only after the receiver
    /// acknowledged it, in its own transaction together with its effects: a delivered
    /// pre-arrival notice locks the visit (`notified`); a delivered confirmation from the evening
    /// before on confirms it. Up to `concurrency` deliveries are in flight; a process killed
    /// mid-run repeats at most those, the ones whose acknowledgement it never recorded.
    public func sendNotices(to sink: any NoticeSink, concurrency: Int = 8,
                            progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> SendReport {
        let due = try await read { context in try context.tx.notices(.due(context.now)) }
        var report = SendReport(due: due.count)
        var done = 0
        try await withThrowingTaskGroup(of: (StoredNotice, String?).self) { group in
            var next = 0
            func launch() {
                let notice = due[next]
                next += 1
                group.addTask {
                    do {
                        try await sink.deliver(notice)
                        return (notice, nil)
                    } catch {
                        return (notice, "\(error)")
                    }
                }
            }
            while next < min(max(1, concurrency), due.count) { launch() }
            while let (notice, failure) = try await group.next() {
                if next < due.count { launch() }
                let marked = try await perform { context -> Bool in
                    if let failure {
                        try context.tx.recordNoticeFailure(notice.id, error: failure)
                        return false
                    }
                    guard try context.tx.markNoticeSent(notice.id, at: context.now) else { return false }
                    try context.afterDelivery(notice)
                    return true
                }
                if let failure { report.failed[notice.draft.key] = failure }
                if marked { report.sent += 1 }
                done += 1
                progress?(done, due.count)
            }
        }
        return report
    }
}

extension OperationContext {
    /// What a delivered notice changes: a pre-arrival notice locks the visit as announced; a
    /// confirmation delivered from 18:00 the evening before the visit on is the second confirmation.
    func afterDelivery(_ notice: StoredNotice) throws {
        guard notice.draft.kind == .preArrival || notice.draft.kind == .confirmation,
              let announced = notice.draft.plannedStart, let order = try tx.order(notice.draft.order) else { return }
        let members = try work(of: order)
        let visits = try tx.publishedVisits(on: order.serviceDay, orders: members.map(\.order.id))
        // A notice about a visit that moved meanwhile changes nothing (its successor is queued).
        guard let visit = visits.first(where: { $0.order == order.order.id }), visit.start == announced else { return }
        switch notice.draft.kind {
        case .preArrival:
            for member in members where member.state == .scheduled || member.state == .confirmed {
                guard let memberVisit = visits.first(where: { $0.order == member.order.id }) else { continue }
                try tx.setLock(member.order.id, Lock(technicianID: memberVisit.technician, start: memberVisit.start))
                try transition(member, to: .notified, actor: "notices", reason: "pre-arrival notice \(notice.draft.key) delivered")
            }
        case .confirmation:
            guard let zone = try tx.zone(of: order.serviceDay) else { return }
            guard now >= NoticeComposer.eveningBefore(announced, zone: zone) else { return }
            for member in members where member.state == .scheduled {
                try transition(member, to: .confirmed, actor: "notices", reason: "confirmation \(notice.draft.key) delivered")
            }
        default: break
        }
    }
}

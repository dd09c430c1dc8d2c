import DispatchStore
import Foundation
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
    /// before on confirms it.
    ///
    /// Several senders may run at once (a cron line every minute that overlaps a slow run, two
    /// machines): each claims a batch of due notices under a lease of `claimSeconds` on the
    /// database clock, so every notice is delivered by one sender; just before delivering, the
    /// sender checks that the notice is still wanted (not cancelled meanwhile) and its claim
    /// still its own. A claim whose sender died runs out and another sender takes it over; only
    /// a sender killed between the receiver's acknowledgement and its record repeats a notice
    /// (claims are renewed while a run works, so a slow delivery is not taken over),
    /// which the receiver recognises by its idempotency key. Up to `concurrency` deliveries are
    /// in flight. A notice whose record fails (the database went away) is reported failed and
    /// the run goes on.
    public func sendNotices(
        to sink: any NoticeSink, concurrency: Int = 8, claimSeconds: Int = 120,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> SendReport {
        let sender = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))"
        let batch = max(1, concurrency) * 4
        var report = SendReport()
        var done = 0
        defer { progress?(done, report.due) }
        // The claims are renewed every third of their lease while the run works; a run that dies
        // stops renewing and its claims run out.
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(max(1, claimSeconds)) * 1_000_000_000 / 3)
                if Task.isCancelled { break }
                _ = try? await perform { context in try context.tx.renewClaims(of: sender, leaseSeconds: claimSeconds) }
            }
        }
        defer { heartbeat.cancel() }
        // Effects a stopped sender left unapplied come first.
        try await applyUnappliedDeliveries()
        do {
            while true {
                let claimed = try await perform { context in
                    try context.tx.claimNotices(due: context.now, by: sender, leaseSeconds: claimSeconds, limit: batch)
                }
                if claimed.isEmpty { break }
                report.due += claimed.count
                try await withThrowingTaskGroup(of: (StoredNotice, String?, Bool).self) { group in
                    var next = 0
                    func launch() {
                        let notice = claimed[next]
                        next += 1
                        group.addTask {
                            // Still wanted and still ours? (Cancelled by a re-plan, or our lease ran out.)
                            guard (try? await self.read { context in try context.tx.holdsClaim(notice.id, sender: sender) }) == true else {
                                return (notice, nil, false)
                            }
                            do {
                                try await sink.deliver(notice)
                                return (notice, nil, true)
                            } catch {
                                return (notice, "\(error)", true)
                            }
                        }
                    }
                    while next < min(max(1, concurrency), claimed.count) { launch() }
                    while let (notice, failure, attempted) = try await group.next() {
                        if next < claimed.count { launch() }
                        done += 1
                        progress?(done, report.due)
                        guard attempted else { continue }
                        do {
                            // The acknowledgement with its effect when the order's day is free;
                            // alone when a re-plan holds the day (never waiting behind it: the
                            // claim could run out meanwhile, and a sender killed then would
                            // repeat the notice), its effect then applied at the end of the run
                            // (or by the next publish of the day).
                            let marked = try await perform { context -> Bool in
                                if let failure {
                                    try context.tx.recordNoticeFailure(notice.id, error: failure)
                                    return false
                                }
                                let day = try context.tx.order(notice.draft.order)?.serviceDay
                                let free = try day.flatMap { try context.tryLockDay($0) } != nil
                                guard try context.tx.markNoticeSent(notice.id, at: context.now) else { return false }
                                if free { try context.applyDelivered(notice) }
                                return true
                            }
                            if let failure { report.failed[notice.draft.key] = failure }
                            if marked { report.sent += 1 }
                        } catch {
                            report.failed[notice.draft.key] = "delivered, but not recorded: \(OperationError.from(error).message)"
                        }
                    }
                }
            }
        } catch {
            _ = try? await perform { context in try context.tx.releaseClaims(of: sender) }
            throw error
        }
        // What failed is tried again by the next run.
        _ = try? await perform { context in try context.tx.releaseClaims(of: sender) }
        // Effects left for later because their day was busy.
        try? await applyUnappliedDeliveries()
        return report
    }
}

extension DispatchOperations {
    /// Applies the effect of every delivered notice whose effect is not applied yet, each under
    /// its day's lock.
    func applyUnappliedDeliveries() async throws {
        let pending = try await read { context in try context.tx.unappliedNotices() }
        for notice in pending { _ = try await perform { context in try context.applyDelivered(notice) } }
    }
}

extension OperationContext {
    /// Applies a delivered notice's effect once, with the order's day locked (the global lock
    /// order: the day first, then the notice): see `afterDelivery`.
    func applyDelivered(_ notice: StoredNotice) throws {
        _ = try lockedOrder(notice.draft.order)
        guard try tx.markNoticeApplied(notice.id, at: now) else { return }
        try afterDelivery(notice)
    }

    /// The effects left unapplied of notices about `day`'s orders, applied now (the caller holds
    /// the day's lock): a plan is never published over a notice the customer already has.
    func applyUnappliedDeliveries(onDay day: LocalDate) throws {
        for notice in try tx.unappliedNotices(onDay: day) where try tx.markNoticeApplied(notice.id, at: now) {
            try afterDelivery(notice)
        }
    }

    /// What a delivered notice changes: a pre-arrival notice locks the visit as announced; a
    /// confirmation delivered from 18:00 the evening before the visit on is the second confirmation.
    func afterDelivery(_ notice: StoredNotice) throws {
        guard notice.draft.kind == .preArrival || notice.draft.kind == .confirmation,
            let announced = notice.draft.plannedStart, let order = try tx.order(notice.draft.order)
        else { return }
        let members = try work(of: order)
        let visits = try tx.publishedVisits(on: order.serviceDay, orders: members.map(\.order.id))
        // A notice about a visit that moved meanwhile changes nothing (its successor is queued).
        guard let visit = visits.first(where: { $0.order == order.order.id }), visit.start == announced else { return }
        switch notice.draft.kind {
        case .preArrival:
            for member in members where member.state == .scheduled || member.state == .confirmed {
                guard let memberVisit = visits.first(where: { $0.order == member.order.id }) else { continue }
                try tx.setLock(member.order.id, Lock(technicianID: memberVisit.technician, start: memberVisit.start), locked: try locked)
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

import DispatchStore
import Foundation
import PlanCheck
import SchedulingCore

/// The promises a simulated day is checked against, after every event and at its end. Its own
/// code: it reads the database and the delivered notices, and judges plans with the independent
/// `PlanChecker`, never with the operations it checks.
final class SimulationChecks {
    let run: Int
    let operations: DispatchOperations
    let date: LocalDate
    /// The visit each order in a locked state had at the last check, and its history's length then.
    private var locked: [String: (visit: PlannedVisit, events: Int)] = [:]

    init(run: Int, operations: DispatchOperations, date: LocalDate) {
        self.run = run
        self.operations = operations
        self.date = date
    }

    func violation(_ rule: String, _ order: String?, _ detail: String, into report: inout SimulationReport) {
        report.violations.append(.init(run: run, at: operations.clock.now(), rule: rule, order: order, detail: detail))
    }

    /// Every published version passes the plan checker; no notified, en-route or on-site visit
    /// moved but by an operation about it (a delay, reported or by itself).
    func afterEvent(_ kind: String, into report: inout SimulationReport) async {
        do {
            if let (scenario, plan, version, earlier, finished) = try await operations.publishedForCheck(date) {
                for line in PlanChecker(scenario: scenario, earlier: earlier, finished: finished).violations(of: plan) {
                    let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
                    violation(
                        parts.first ?? "plan", parts.count > 1 ? parts[1].trimmingCharacters(in: CharacterSet(charactersIn: ":")) : nil,
                        "after \(kind), version \(version): \(line)", into: &report)
                }
            }
            let date = self.date
            let (visits, orders) = try await operations.store.transaction { tx in
                (try tx.publishedPlan(on: date)?.visits ?? [], try tx.orders(on: date))
            }
            let byOrder = Dictionary(visits.map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
            var now: [String: (visit: PlannedVisit, events: Int)] = [:]
            for stored in orders where OrderWorkflow.locked.contains(stored.state) {
                guard let visit = byOrder[stored.order.id] else { continue }
                let before = locked[stored.order.id]
                if let before, before.visit.technician != visit.technician || before.visit.start != visit.start {
                    let history = try await operations.history(order: stored.order.id)
                    let delayed = history.dropFirst(before.events).contains {
                        ($0.reason ?? "").contains("delay") || ($0.reason ?? "").contains("late")
                    }
                    if !delayed {
                        violation(
                            "locked", stored.order.id,
                            "after \(kind): \(stored.state) visit moved from \(before.visit.technician) "
                                + "\(before.visit.start) to \(visit.technician) \(visit.start) by an operation not about it", into: &report)
                    }
                    now[stored.order.id] = (visit, history.count)
                } else {
                    var events = before?.events
                    if events == nil { events = try await operations.history(order: stored.order.id).count }
                    now[stored.order.id] = (visit, events ?? 0)
                }
            }
            locked = now
        } catch {
            violation("check", nil, "after \(kind): the check could not read the day: \(error)", into: &report)
        }
    }

    /// At the end of the day: histories are chains of legal transitions; completed visits have a
    /// callback due within 3 days; company-side rebookings were told before the window; every
    /// pre-arrival notice came at least the notice minutes before the start it announced, and the
    /// technician began within 15 minutes of the start last announced.
    func atEnd(deliveries: [SimulatedSink.Delivery], into report: inout SimulationReport) async {
        do {
            let date = self.date
            let (orders, notice) = try await operations.store.transaction { tx in
                (try tx.orders(on: date), try tx.scenario(on: date)?.policy.noticeMinutes ?? 30)
            }
            var announced: [String: [SimulatedSink.Delivery]] = [:]
            for delivery in deliveries where delivery.notice.draft.kind == .preArrival {
                // The first announcement keeps the notice rule; a later one tells the customer of a delay.
                let first = announced[delivery.notice.draft.order] == nil
                announced[delivery.notice.draft.order, default: []].append(delivery)
                if first, let start = delivery.notice.draft.plannedStart, delivery.at > start.adding(minutes: -notice) {
                    violation(
                        "notice", delivery.notice.draft.order,
                        "pre-arrival notice for \(start) delivered at \(delivery.at), "
                            + "less than \(notice) minutes before", into: &report)
                }
            }
            for stored in orders {
                let id = stored.order.id
                let history = try await operations.history(order: id)
                var state = OrderState.new
                for event in history {
                    if event.from != state || (event.from != event.to && !OrderWorkflow.allows(event.from, event.to)) {
                        violation("history", id, "\(event.from) → \(event.to) after \(state)", into: &report)
                    }
                    state = event.to
                    if event.to == .rebooking && event.from != .rebooking {
                        report.rebookings[
                            event.side == .customer ? "customer: \(event.reason ?? "")" : (event.reason ?? "company"), default: 0] += 1
                        if event.side == .company, let window = stored.order.window, window.start > event.at {
                            // The customer is told once per visit, through the order of the group that speaks to them.
                            let members = orders.filter {
                                $0.order.id == id || ($0.order.group != nil && $0.order.group == stored.order.group)
                            }
                            var told = false
                            for member in members where !told {
                                let memberID = member.order.id
                                told = try await operations.store.transaction { try $0.notices(of: memberID) }
                                    .contains { $0.draft.kind == .rebooking && $0.draft.dueAt <= window.start }
                            }
                            if !told {
                                violation(
                                    "rebooking", id, "rebooked at \(event.at) without a notice due before \(window.start)", into: &report)
                            }
                        }
                    }
                    if event.to == .onSite, let last = announced[id]?.last(where: { $0.at <= event.at }),
                        let start = last.notice.draft.plannedStart,
                        event.at > start.adding(minutes: 15)
                    {
                        violation("arrival", id, "began at \(event.at), announced for \(start)", into: &report)
                    }
                }
                if stored.state == .completed && stored.order.type != .removal {
                    let callbacks = try await operations.store.transaction { try $0.callbacks(of: id) }
                    let done = history.last { $0.to == .completed }?.at ?? operations.clock.now()
                    if !callbacks.contains(where: { $0.dueAt <= done.adding(minutes: 3 * 1440) }) {
                        violation("callback", id, "completed without a callback due within 3 days", into: &report)
                    }
                }
            }
        } catch {
            violation("check", nil, "at the end: the check could not read the day: \(error)", into: &report)
        }
    }
}

import DispatchStore
import Foundation
import SchedulingCore

/// Writes the notices a customer receives: the idempotency key, when each is due, and the JSON
/// body delivered to the notification gateway (built once, when queued, so a redelivery sends
/// the same bytes).
struct NoticeComposer {
    let day: Scenario
    let now: Instant

    /// The facts a notice is about.
    struct Subject {
        let order: StoredOrder
        let technician: Technician?
        let plannedStart: Instant?
        let window: TimeWindow?
    }

    func preArrival(_ subject: Subject) -> NoticeDraft {
        let start = subject.plannedStart ?? now
        let name = subject.technician.map { $0.name ?? $0.id } ?? "Your technician"
        let text =
            "\(name) will arrive at about \(clock(start)) on \(start.dayText(in: day.timeZone)) for your "
            + "\(work(subject.order))\(windowText(subject.window)). Please make sure someone is home."
        return draft(.preArrival, key: preArrivalKey(subject), subject, due: start.adding(minutes: -day.policy.noticeMinutes), text: text)
    }

    /// The key of `preArrival(subject)`, without writing the notice (a publish asks it of every
    /// visit and writes only those not already waiting).
    func preArrivalKey(_ subject: Subject) -> String {
        "pre_arrival:\(subject.order.order.id):\(subject.technician?.id ?? "-"):\((subject.plannedStart ?? now).secondsSinceEpoch)"
    }

    /// A confirmation due now (`why` = "booked" or "moved"), or the evening before the visit.
    func confirmation(_ subject: Subject, why: String) -> NoticeDraft {
        let start = subject.plannedStart ?? now
        let text =
            "Your \(work(subject.order)) is confirmed for \(start.dayText(in: day.timeZone))\(windowText(subject.window)). "
            + "We will text you again \(day.policy.noticeMinutes) minutes before the technician arrives."
        return draft(
            .confirmation, key: confirmationKey(subject, why: why), subject, due: why == "eve" ? eveningBefore(start) : now, text: text)
    }

    /// The key of `confirmation(subject, why:)`, without writing the notice.
    func confirmationKey(_ subject: Subject, why: String) -> String {
        let stamp = why == "eve" ? (subject.plannedStart ?? now).secondsSinceEpoch : now.secondsSinceEpoch
        return "confirmation:\(subject.order.order.id):\(why):\(stamp)"
    }

    func rebooking(_ subject: Subject, reason: String, offers: [Slot]) -> NoticeDraft {
        let when =
            subject.window.map { "\($0.start.dayText(in: day.timeZone)) \(clock($0.start))–\(clock($0.end))" } ?? "your appointment"
        var text = "We are sorry: we cannot keep \(when) for your \(work(subject.order)) (\(reason))."
        if offers.isEmpty {
            text += " We will call you to agree a new time."
        } else {
            let list = offers.map { "\($0.window.start.dayText(in: day.timeZone)) \(clock($0.window.start))–\(clock($0.window.end))" }
            text += " New times we can keep: " + list.joined(separator: "; ") + ". Reply or call us to choose one."
        }
        let extra: [String: JSONValue] = [
            "reason": reason.json,
            "offered_windows": .array(
                offers.map { ["start": day.timeZone.rfc3339($0.window.start).json, "end": day.timeZone.rfc3339($0.window.end).json] }),
        ]
        return draft(
            .rebooking, key: "rebooking:\(subject.order.order.id):\(now.secondsSinceEpoch)", subject, due: now, text: text, extra: extra)
    }

    func absence(_ subject: Subject) -> NoticeDraft {
        let text =
            "We came for your \(work(subject.order)) at \(clock(now)) but nobody was home. "
            + "Please call us to agree a new time."
        return draft(.absence, key: "absence:\(subject.order.order.id):\(now.secondsSinceEpoch)", subject, due: now, text: text)
    }

    /// 18:00 local on the day before `start` (DOMAIN rule 7).
    func eveningBefore(_ start: Instant) -> Instant { Self.eveningBefore(start, zone: day.timeZone) }

    static func eveningBefore(_ start: Instant, zone: ServiceTimeZone) -> Instant {
        zone.instant(on: zone.local(start).date.adding(days: -1), at: LocalTime(minutesAfterMidnight: 18 * 60)!)
    }

    private func draft(
        _ kind: NoticeKind, key: String, _ subject: Subject, due: Instant, text: String,
        extra: [String: JSONValue] = [:]
    ) -> NoticeDraft {
        let order = subject.order.order
        let zone = day.timeZone
        let customer: JSONValue = ["id": order.customer.id.json, "name": order.customer.name.json, "phone": order.customer.phone.json]
        var body: [String: JSONValue] = [
            "idempotency_key": key.json, "kind": kind.rawValue.json, "order": order.id.json, "customer": customer,
            "due_at": zone.rfc3339(due).json, "text": text.json, "created_at": zone.rfc3339(now).json,
            "group": order.group.json,
            "technician": subject.technician.map { ["id": $0.id.json, "name": ($0.name ?? $0.id).json] } ?? .null,
            "planned_start": subject.plannedStart.map(zone.rfc3339).json,
            "window": subject.window.map { ["start": zone.rfc3339($0.start).json, "end": zone.rfc3339($0.end).json] } ?? .null,
        ]
        for (name, value) in extra { body[name] = value }
        return NoticeDraft(
            key: key, kind: kind, order: order.id, technician: subject.technician?.id,
            plannedStart: subject.plannedStart, dueAt: due, body: JSONValue.object(body).text())
    }

    private func clock(_ instant: Instant) -> String { day.timeZone.local(instant).time.description }

    private func work(_ order: StoredOrder) -> String { "\(order.order.service.rawValue) \(order.order.type.rawValue)" }

    private func windowText(_ window: TimeWindow?) -> String {
        guard let window else { return "" }
        return " (appointment \(clock(window.start))–\(clock(window.end)))"
    }
}

extension Instant {
    /// `Mon 23 Nov` in the zone.
    func dayText(in zone: ServiceTimeZone) -> String {
        let date = zone.local(self).date
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = weekdays[((ServiceTimeZone.daysSinceEpoch(date) % 7) + 7) % 7]
        return "\(weekday) \(date.day) \(months[date.month - 1])"
    }
}

import Dispatch
import DispatchStore
import Foundation
import SchedulingCore
import Synchronization

/// Windows offered to a customer on the phone, and the ones that could not be (docs/integration.md).
public struct SlotOffer: Sendable {
    /// A window the live plans can keep, graded by what it adds to the plan.
    public struct Open: Sendable, Equatable {
        public var window: TimeWindow
        /// `best`, `good` or `ok`: the third of the offer's cost range the window falls in.
        public var grade: String
        /// Objective points the visit adds (travel, contractor price): lower is better.
        public var added: Int
    }

    /// A window that cannot be offered, and why (`reason` a code, `detail` in words).
    public struct Closed: Sendable, Equatable {
        public var window: TimeWindow
        public var reason: String
        public var detail: String
    }

    public var id: String
    public var order: String
    public var expires: Instant
    public var zone: ServiceTimeZone
    public var windowMinutes: Int
    public var slots: [Open]
    public var closed: [Closed]
}

extension DispatchOperations {
    /// How long an offer may be booked.
    public static let offerMinutes = 15

    /// The windows of `windowMinutes` the live plans of the next `days` days (today first) can
    /// keep for the order: each is a trial insertion into that day's published plan with every
    /// published visit kept (the same `KeptDay` insertion booking makes, so an offered window is a
    /// bookable one), graded by the cost it adds; and the windows that cannot be offered, with
    /// why. Computed from a read (no lock held), then stored as an offer a booking names.
    public func offerSlots(order id: String, days: Int, windowMinutes: Int, client: String) async throws -> SlotOffer {
        guard (1...14).contains(days) else { throw OperationError.badInput("days: 1 to 14") }
        guard (15...720).contains(windowMinutes), windowMinutes % 15 == 0 else {
            throw OperationError.badInput("window_minutes: 15 to 720, in steps of 15")
        }
        // What the offer reads, in one read transaction; what it computes, after it (each day on its own core).
        let horizon = try await read { context in
            let order = try context.requireOrder(id)
            try context.requireBookable(order)
            return try context.offerHorizon(for: order, days: days, lengthMinutes: windowMinutes)
        }
        let computed = horizon.windows()
        let now = clock.now()
        let offer = SlotOffer(
            id: Self.offerID(), order: id, expires: now.adding(minutes: Self.offerMinutes), zone: computed.zone,
            windowMinutes: windowMinutes, slots: Self.graded(computed.open), closed: computed.closed)
        try await perform { context in
            try context.tx.storeOffer(
                id: offer.id, order: id, client: client, at: now, expires: offer.expires, windowMinutes: windowMinutes,
                starts: offer.slots.map(\.window.start))
        }
        return offer
    }

    /// Books a window of an offer: `book` under the day lock. A window another booking took
    /// meanwhile is refused as a conflict tagged `slot-taken` (the caller offers fresh windows).
    public func book(offer id: String, order: String, start: Instant, actor: String) async throws -> Booking {
        let stored = try await read { context in try context.tx.offer(id) }
        guard let stored, stored.order == order else { throw OperationError.notFound("no offer '\(id)' for order \(order)") }
        guard clock.now() <= stored.expires else {
            throw OperationError(
                .gone, "offer \(id) expired at \(stored.expires); ask for a new one (POST /v1/orders/\(order)/slot-offers)")
        }
        guard stored.starts.contains(start) else {
            throw OperationError.badInput("start: not a window of offer \(id) (its windows start at one of the offered slots' starts)")
        }
        return try await book(order: order, windowStart: start, lengthMinutes: stored.windowMinutes, actor: actor)
    }

    static func offerID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexDigits
    }

    /// Grades by thirds of the offer's cost range (all `best` when the costs are equal).
    static func graded(_ slots: [Slot]) -> [SlotOffer.Open] {
        guard let low = slots.map(\.cost).min(), let high = slots.map(\.cost).max() else { return [] }
        let span = Double(max(1, high - low))
        return slots.sorted { $0.window.start < $1.window.start }.map { slot in
            let position = Double(slot.cost - low) / span
            let grade = high == low || position <= 1.0 / 3 ? "best" : position <= 2.0 / 3 ? "good" : "ok"
            return SlotOffer.Open(window: slot.window, grade: grade, added: slot.cost)
        }
    }
}

/// What a slot offer reads of the days it looks at: for each, the day with the order's work in it,
/// its published visits and the windows to try, or why it is not worked at all.
struct OfferHorizon: Sendable {
    struct Day: Sendable {
        var date: LocalDate
        var scenario: Scenario
        var visits: [PlannedVisit]
        var candidates: [TimeWindow]
    }

    var zone: ServiceTimeZone
    var work: [WorkOrder]
    var now: Instant
    var days: [Day]
    /// Windows known closed from the read alone (days not worked, windows too soon).
    var closed: [SlotOffer.Closed]

    /// The open windows (trial insertions into each day, the days computed at once on the
    /// machine's cores) and every closed window with why.
    func windows() -> (zone: ServiceTimeZone, open: [Slot], closed: [SlotOffer.Closed]) {
        let results = Mutex<[Int: (open: [Slot], closed: [SlotOffer.Closed])]>([:])
        DispatchQueue.concurrentPerform(iterations: days.count) { index in
            let day = days[index]
            let diagnosis = ClosedDiagnosis(day: day.scenario, work: work, visits: day.visits)
            let mayDo = Set(diagnosis.eligible.flatMap { $0.map(\.id) })
            let fits = KeptDay.narrowed(day: day.scenario, kept: day.visits, for: work, mayDo: mayDo)
                .fits(work, windows: day.candidates, now: now)
            var open: [Slot] = []
            var closed: [SlotOffer.Closed] = []
            for (window, fit) in zip(day.candidates, fits) {
                if let fit {
                    open.append(
                        Slot(day: day.date, window: window, start: fit.start, technicians: fit.technicians, cost: fit.cost, zone: zone))
                } else {
                    let (reason, detail) = diagnosis.why(window)
                    closed.append(.init(window: window, reason: reason, detail: detail))
                }
            }
            results.withLock { $0[index] = (open, closed) }
        }
        let found = results.withLock { $0 }
        let open = days.indices.flatMap { found[$0]?.open ?? [] }
        let closed = (self.closed + days.indices.flatMap { found[$0]?.closed ?? [] }).sorted { $0.window.start < $1.window.start }
        return (zone, open, closed)
    }
}

extension OperationContext {
    /// What an offer of `days` days for `order` reads (see `DispatchOperations.offerSlots`); each
    /// day from the store's cache while it is unchanged.
    func offerHorizon(for order: StoredOrder, days: Int, lengthMinutes: Int) throws -> OfferHorizon {
        let work = try bookableWork(of: order)
        let home =
            try tx.cachedScenario(on: order.serviceDay) ?? borrowed(day(order.serviceDay, like: order.serviceDay), date: order.serviceDay)
        let zone = home.timeZone
        let today = zone.local(now).date
        let calendar = try tx.calendar()
        var horizon = OfferHorizon(zone: zone, work: work.map(\.order), now: now, days: [], closed: [])
        for offset in 0..<days {
            let date = today.adding(days: offset)
            if let why = calendar.nonWorking(date) {
                let start = zone.instant(on: date, at: LocalTime(minutesAfterMidnight: 0)!)
                let end = zone.instant(on: date.adding(days: 1), at: LocalTime(minutesAfterMidnight: 0)!)
                horizon.closed.append(.init(window: TimeWindow(start: start, end: end), reason: "not_worked", detail: "\(date) is \(why)"))
                continue
            }
            let cached = try tx.cachedDay(on: date)
            let scenario = including(work, in: try cached?.scenario ?? borrowed(home, date: date))
            let windows = allWindows(scenario, lengthMinutes: lengthMinutes)
            let earliest = now.adding(minutes: scenario.policy.noticeMinutes)
            for window in windows where window.end < earliest {
                horizon.closed.append(.init(window: window, reason: "too_soon", detail: "it closes before a technician could be announced"))
            }
            let candidates = windows.filter { $0.end >= earliest }
            guard !candidates.isEmpty else { continue }
            horizon.days.append(
                .init(date: date, scenario: scenario, visits: cached?.plan?.visits ?? [], candidates: candidates))
        }
        return horizon
    }

    /// Windows starting on the hour from the earliest shift start of the day's roster until its
    /// latest shift end, however soon (`candidateWindows` without the notice).
    func allWindows(_ day: Scenario, lengthMinutes: Int) -> [TimeWindow] {
        let working = day.technicians.filter { !$0.absent }
        guard let first = working.map(\.shift.start.minutesAfterMidnight).min(),
            let last = working.map(\.shift.end.minutesAfterMidnight).max()
        else { return [] }
        return stride(from: (first + 59) / 60 * 60, to: last, by: 60).map { minute in
            let start = day.timeZone.instant(on: day.date, at: LocalTime(minutesAfterMidnight: minute)!)
            return TimeWindow(start: start, end: start.adding(minutes: lengthMinutes))
        }
    }
}

/// Why a window of a day cannot take the work, in the order a call-centre agent can explain it:
/// nobody working that day may do it; nobody who may is on shift then; the contractors who may
/// have used their day's quota; else the day is full there.
struct ClosedDiagnosis {
    let day: Scenario
    let work: [WorkOrder]
    /// Per member, the technicians working that day who may do it.
    let eligible: [[Technician]]
    /// Crews whose daily quota the day's published visits reach.
    let fullCrews: Set<String>

    init(day: Scenario, work: [WorkOrder], visits: [PlannedVisit]) {
        self.day = day
        self.work = work
        let crews = day.crewsByID
        eligible = work.map { order in
            day.technicians.filter { !$0.absent && day.ineligibility(of: $0, for: order, crews: crews) == nil }
        }
        let crewOf = Dictionary(day.technicians.compactMap { t in t.crewID.map { (t.id, $0) } }, uniquingKeysWith: { first, _ in first })
        var counts: [String: Int] = [:]
        for visit in visits { if let crew = crewOf[visit.technician] { counts[crew, default: 0] += 1 } }
        fullCrews = Set(
            counts.compactMap { crew, count in
                guard let quota = crews[crew]?.contract?.maxOrdersPerDay, count >= quota else { return nil }
                return crew
            })
    }

    func why(_ window: TimeWindow) -> (String, String) {
        if let index = eligible.firstIndex(where: \.isEmpty) {
            return (
                "no_technician", "no technician working on \(day.date) may do \(work[index].id) (skills, territory, certificate, contract)"
            )
        }
        let onShift = zip(work, eligible).map { order, technicians in
            technicians.filter { technician in
                let start = day.timeZone.instant(on: day.date, at: technician.shift.start)
                let end = day.timeZone.instant(on: day.date, at: technician.shift.end).adding(minutes: -order.durationMinutes)
                return start <= window.end && end >= window.start
            }
        }
        if onShift.contains(where: \.isEmpty) {
            return (
                "outside_shifts",
                "no technician who may do it is on shift for a visit starting \(day.timeZone.rfc3339(window.start))–\(day.timeZone.local(window.end).time)"
            )
        }
        if onShift.allSatisfy({ $0.allSatisfy { $0.crewID.map(fullCrews.contains) ?? false } }) {
            return ("quota_reached", "the contractors who may do it have reached their daily quota")
        }
        return ("full", "every technician who may do it is busy then, with every booked visit kept")
    }
}

extension DispatchOperations {
    /// A stored offer, or nil.
    public func offer(_ id: String) async throws -> StoredOffer? {
        try await read { context in try context.tx.offer(id) }
    }
}

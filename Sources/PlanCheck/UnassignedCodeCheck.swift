import SchedulingCore

/// Verifies each unassigned code by trying to serve the order alone in an empty day.
struct UnassignedCodeCheck {
    let checker: PlanChecker
    let plan: Plan

    private var scenario: Scenario { checker.scenario }

    func violations() -> [String] {
        var load: [String: Int] = [:]
        for visit in plan.visits {
            if let crew = checker.technicians[visit.technician]?.crewID { load[crew, default: 0] += 1 }
        }
        var found: [String] = []
        for entry in plan.unassigned {
            guard let order = checker.orders[entry.order] else { continue }
            let eligible = scenario.technicians.filter { allowed($0, order) }
            let alone = eligible.filter { servesAlone($0, order) }
            let noticeShort =
                order.lock == nil
                && order.window.map {
                    $0.end.adding(minutes: -scenario.policy.noticeMinutes) < scenario.now
                } ?? false
            var truths: [UnassignedCode: Bool] = [:]
            truths[.noQualifiedTechnician] = eligible.isEmpty
            truths[.noticeTooShort] = noticeShort
            truths[.windowUnreachable] = !eligible.isEmpty && alone.isEmpty
            truths[.groupIncomplete] =
                order.group != nil
                && scenario.orders.contains { other in
                    other.group == order.group && other.id != order.id
                        && !scenario.technicians.contains { allowed($0, other) && servesAlone($0, other) }
                }
            let size = groupSize(order)
            truths[.crewQuota] =
                !alone.isEmpty
                && alone.allSatisfy { technician in
                    guard let crew = technician.crewID, let quota = checker.crews[crew]?.contract?.maxOrdersPerDay else { return false }
                    return (load[crew] ?? 0) + size > quota
                }
            truths[.displaced] = !alone.isEmpty
            if truths[entry.code] != true {
                found.append("code \(entry.order): '\(entry.code.rawValue)' is not true of it")
            } else if let specific = Self.specificity.first(where: { truths[$0] == true }), specific != entry.code {
                found.append("code \(entry.order): '\(specific.rawValue)' is true and more specific than '\(entry.code.rawValue)'")
            }
        }
        return found
    }

    /// Most specific first: the order docs/formats.md lists the codes in.
    static let specificity: [UnassignedCode] = [
        .noQualifiedTechnician, .noticeTooShort, .windowUnreachable, .groupIncomplete, .crewQuota, .displaced,
    ]

    func groupSize(_ order: WorkOrder) -> Int {
        guard let group = order.group else { return 1 }
        return scenario.orders.filter { $0.group == group }.count
    }

    func allowed(_ technician: Technician, _ order: WorkOrder) -> Bool {
        if let lock = order.lock, lock.technicianID != technician.id { return false }
        if let pin = order.pin, pin.technicianID != technician.id { return false }
        return checker.refusal(technician, order) == nil
    }

    /// Could `technician` do `order` as the only visit of the day, break included?
    func servesAlone(_ technician: Technician, _ order: WorkOrder) -> Bool {
        let shiftStart = checker.localInstant(technician.shift.start)
        let shiftEnd = checker.localInstant(technician.shift.end)
        let there = checker.drive(technician.startLocation, order.location, leaving: shiftStart)
        var earliest = shiftStart.adding(minutes: there)
        var latest = scenario.latestDeparture(from: order.location, to: technician.endLocation, arriving: shiftEnd)
            .adding(minutes: -order.durationMinutes)
        if let window = order.window {
            earliest = max(earliest, window.start)
            latest = min(latest, window.end)
        }
        if let lock = order.lock {
            earliest = max(earliest, lock.start)
            latest = min(latest, lock.start)
        } else {
            earliest = max(earliest, scenario.now.adding(minutes: scenario.policy.noticeMinutes))
            if let start = order.pin?.start {
                earliest = max(earliest, start)
                latest = min(latest, start)
            }
        }
        // Whole minutes, as plans are written.
        let offset = ((earliest.secondsSinceEpoch % 60) + 60) % 60
        if offset != 0 { earliest = Instant(secondsSinceEpoch: earliest.secondsSinceEpoch + 60 - offset) }
        guard earliest <= latest else { return false }
        guard let rule = scenario.policy.breakRule,
            technician.shift.start <= rule.latestStart,
            technician.shift.end.minutesAfterMidnight >= rule.earliestStart.minutesAfterMidnight + rule.minutes
        else { return true }
        let breakFrom = checker.localInstant(rule.earliestStart)
        let breakTo = checker.localInstant(rule.latestStart)
        // H4 lets the break sit anywhere in a gap that holds it and the travel.
        // Before the visit: it starts once both the shift and the break range have begun.
        let beforeStart = max(shiftStart, breakFrom)
        if beforeStart <= breakTo {
            let visitStart = max(earliest, shiftStart.adding(minutes: there + rule.minutes), breakFrom.adding(minutes: rule.minutes))
            if visitStart <= latest { return true }
        }
        // After the visit: between finishing and getting home.
        let finish = earliest.adding(minutes: order.durationMinutes)
        let afterStart = max(finish, breakFrom)
        let back = checker.drive(order.location, technician.endLocation, leaving: finish)
        let home = max(finish.adding(minutes: back + rule.minutes), afterStart.adding(minutes: rule.minutes))
        return afterStart <= breakTo && home <= shiftEnd
    }
}

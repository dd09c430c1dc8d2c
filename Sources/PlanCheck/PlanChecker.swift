import SchedulingCore

/// Checks a plan against the hard rules H1–H9 and the truth of its unassigned codes.
///
/// Written apart from the solver on purpose: it shares only the model and the contract's travel
/// formula, and works in instants rather than the solver's minute grid, so a solver bug is not
/// repeated here.
public struct PlanChecker {
    let scenario: Scenario
    let orders: [String: WorkOrder]
    let technicians: [String: Technician]
    let crews: [String: Crew]
    /// Visits an earlier published version already promised (order → visit): a visit kept with
    /// the same technician and start was announced when that version was made, so the notice rule
    /// (H6) is not read against this version's time for it. Empty for a plan made from a file.
    let earlier: [String: PlannedVisit]
    /// Orders whose visit is over (completed, transferred, customer absent): such a visit may end
    /// sooner than start + duration, when the published plan holds the time it really took.
    let finished: Set<String>

    public init(scenario: Scenario, earlier: [PlannedVisit] = [], finished: Set<String> = []) {
        self.scenario = scenario
        self.finished = finished
        self.earlier = Dictionary(earlier.map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
        orders = Dictionary(scenario.orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        technicians = Dictionary(scenario.technicians.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        crews = Dictionary(scenario.crews.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// One line per broken rule, each starting with the rule's name (`H3 T01: …`); empty when valid.
    public func violations(of plan: Plan) -> [String] {
        var found: [String] = []
        found += coverage(plan)
        for visit in plan.visits { found += visitRules(visit, plan: plan) }
        for (technician, visits) in visitsByTechnician(plan) { found += routeRules(technician, visits: visits, plan: plan) }
        found += groupRules(plan)
        found += quotaRules(plan)
        found += UnassignedCodeCheck(checker: self, plan: plan).violations()
        if plan.kpis.travelMinutes != plan.routes.reduce(0, { $0 + $1.travelMinutes }) {
            found.append("KPI travel_minutes \(plan.kpis.travelMinutes) is not the sum of the routes'")
        }
        if plan.kpis.assigned != plan.visits.count || plan.kpis.orders != scenario.orders.count {
            found.append(
                "KPI assigned/orders (\(plan.kpis.assigned)/\(plan.kpis.orders)) do not match the plan "
                    + "(\(plan.visits.count)/\(scenario.orders.count))"
            )
        }
        return found
    }

    func minutes(_ from: Instant, _ to: Instant) -> Int { (to.secondsSinceEpoch - from.secondsSinceEpoch) / 60 }

    /// The drive leaving at `leaving`, the day's traffic applied.
    func drive(_ a: GeoPoint, _ b: GeoPoint, leaving: Instant) -> Int { scenario.drive(from: a, to: b, leaving: leaving) }

    func localInstant(_ time: LocalTime) -> Instant { scenario.timeZone.instant(on: scenario.date, at: time) }

    func visitsByTechnician(_ plan: Plan) -> [(String, [PlannedVisit])] {
        Dictionary(grouping: plan.visits, by: \.technician)
            .map { ($0.key, $0.value.sorted { $0.start < $1.start }) }
            .sorted { $0.0 < $1.0 }
    }

    /// H9: every order exactly once, in visits or unassigned; nothing unknown.
    func coverage(_ plan: Plan) -> [String] {
        var found: [String] = []
        var seen: [String: Int] = [:]
        for id in plan.visits.map(\.order) + plan.unassigned.map(\.order) {
            seen[id, default: 0] += 1
            if orders[id] == nil { found.append("H9 \(id): not an order of the scenario") }
        }
        for order in scenario.orders {
            let count = seen[order.id] ?? 0
            if count != 1 { found.append("H9 \(order.id): appears \(count) times in visits and unassigned") }
        }
        return found
    }

    /// Why `technician` may not do `order` on the day, or nil (DOMAIN rules 1, 8, 9, absence).
    func refusal(_ technician: Technician, _ order: WorkOrder) -> String? {
        if technician.absent { return "is absent" }
        guard let until = technician.certifiedUntil, scenario.date <= until else { return "is not certified on \(scenario.date)" }
        if let missing = order.skills.first(where: { !technician.skills.contains($0) }) { return "lacks skill \(missing)" }
        if let areas = technician.territories, !areas.contains(order.territory ?? "\u{0}") { return "does not work in that territory" }
        guard let crewID = technician.crewID else { return nil }
        guard let contract = crews[crewID]?.contract else { return "belongs to crew \(crewID) without a contract" }
        if scenario.date < contract.validFrom || scenario.date > contract.validTo { return "crew \(crewID)'s contract is not in force" }
        if let areas = contract.territories, !areas.contains(order.territory ?? "\u{0}") {
            return "crew \(crewID)'s contract does not cover the territory"
        }
        if !contract.workTypes.contains(order.type) { return "crew \(crewID)'s contract does not cover \(order.type.rawValue)" }
        if !contract.services.contains(order.service) { return "crew \(crewID)'s contract does not cover \(order.service.rawValue)" }
        if contract.excludedTiers.contains(order.customer.tier) {
            return "crew \(crewID)'s contract excludes \(order.customer.tier.rawValue)"
        }
        return nil
    }

    /// H1, H2 (single orders), H6, H7 and the visit's own arithmetic.
    func visitRules(_ visit: PlannedVisit, plan: Plan) -> [String] {
        guard let order = orders[visit.order] else { return [] }
        guard let technician = technicians[visit.technician] else {
            return ["H1 \(visit.order): technician \(visit.technician) does not exist"]
        }
        var found: [String] = []
        if let reason = refusal(technician, order) { found.append("H1 \(visit.order): \(technician.id) \(reason)") }
        let length = minutes(visit.start, visit.end)
        if length != order.durationMinutes, !(finished.contains(visit.order) && length > 0 && length < order.durationMinutes) {
            found.append("H3 \(visit.order): end is not start + \(order.durationMinutes) minutes")
        }
        if visit.noticeAt != visit.start.adding(minutes: -scenario.policy.noticeMinutes) {
            found.append("H6 \(visit.order): notice_at is not start − \(scenario.policy.noticeMinutes) minutes")
        }
        if order.group == nil, order.lock == nil, let window = order.window, visit.start < window.start || visit.start > window.end {
            found.append("H2 \(visit.order): starts outside its window")
        }
        let keptAsPromised = earlier[visit.order].map { $0.technician == visit.technician && $0.start == visit.start } ?? false
        if order.lock == nil, !keptAsPromised, visit.start.adding(minutes: -scenario.policy.noticeMinutes) < scenario.now {
            found.append("H6 \(visit.order): starts less than \(scenario.policy.noticeMinutes) minutes after the plan is made")
        }
        if let lock = order.lock, lock.technicianID != visit.technician || lock.start != visit.start {
            found.append("H7 \(visit.order): locked to \(lock.technicianID) at its notified start, planned otherwise")
        }
        if let pin = order.pin {
            if pin.technicianID != visit.technician { found.append("H7 \(visit.order): pinned to \(pin.technicianID)") }
            if let start = pin.start, start != visit.start { found.append("H7 \(visit.order): pinned start not kept") }
        }
        if visit.contact && order.group == nil { found.append("H5 \(visit.order): contact set on a visit outside any group") }
        return found
    }

    /// H8: each contractor within its daily quota.
    func quotaRules(_ plan: Plan) -> [String] {
        var load: [String: Int] = [:]
        for visit in plan.visits {
            if let crew = technicians[visit.technician]?.crewID { load[crew, default: 0] += 1 }
        }
        return load.sorted { $0.key < $1.key }.compactMap { crew, count in
            guard let quota = crews[crew]?.contract?.maxOrdersPerDay, count > quota else { return nil }
            return "H8 \(crew): \(count) orders, above its quota of \(quota)"
        }
    }
}

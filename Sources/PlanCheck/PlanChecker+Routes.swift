import SchedulingCore

extension PlanChecker {
    /// H3 and H4 for one technician's day.
    func routeRules(_ id: String, visits: [PlannedVisit], plan: Plan) -> [String] {
        guard let technician = technicians[id] else { return [] }
        guard let route = plan.routes.first(where: { $0.technician == id }) else {
            return ["H3 \(id): has visits but no route"]
        }
        var found: [String] = []
        if route.orders != visits.map(\.order) { found.append("H3 \(id): route order list differs from its visits by start") }
        let shiftStart = localInstant(technician.shift.start)
        let shiftEnd = localInstant(technician.shift.end)
        let location = { (visit: PlannedVisit) in self.orders[visit.order]?.location ?? technician.startLocation }
        if route.depart < shiftStart { found.append("H3 \(id): departs before the shift starts") }
        if route.returnAt > shiftEnd { found.append("H3 \(id): returns after the shift ends") }
        // Stops as (place, arrive-by, leave-at), depot to depot.
        var stops: [(place: GeoPoint, begin: Instant, end: Instant, name: String)] = [
            (technician.startLocation, route.depart, route.depart, "start")
        ]
        stops += visits.map { (location($0), $0.start, $0.end, $0.order) }
        stops.append((technician.endLocation, route.returnAt, route.returnAt, "end"))
        var driven = 0
        for (a, b) in zip(stops, stops.dropFirst()) {
            let leg = drive(a.place, b.place, leaving: a.end)
            driven += leg
            if minutes(a.end, b.begin) < leg {
                found.append("H3 \(id): not enough time to travel from \(a.name) to \(b.name)")
            }
        }
        if driven != route.travelMinutes { found.append("KPI \(id): travel_minutes is \(route.travelMinutes), the route drives \(driven)") }
        found += breakRules(id, technician: technician, route: route, stops: stops)
        return found
    }

    /// H4: the break within its range, over no visit, with room for it and the travel around it.
    func breakRules(
        _ id: String, technician: Technician, route: PlannedRoute,
        stops: [(place: GeoPoint, begin: Instant, end: Instant, name: String)]
    ) -> [String] {
        guard let rule = scenario.policy.breakRule else { return [] }
        let required =
            technician.shift.start <= rule.latestStart
            && technician.shift.end.minutesAfterMidnight >= rule.earliestStart.minutesAfterMidnight + rule.minutes
        guard let start = route.breakStart else {
            // None is owed when the locked visits leave it no room anywhere in the shift.
            return required && !lockedVisitsCrowdOut(rule, technician: technician, anywhere: true) ? ["H4 \(id): no break"] : []
        }
        var found: [String] = []
        // Late is allowed only when the technician's locked visits leave it no room in its range.
        if start < localInstant(rule.earliestStart)
            || (start > localInstant(rule.latestStart) && !lockedVisitsCrowdOut(rule, technician: technician))
        {
            found.append("H4 \(id): break starts outside \(rule.earliestStart)–\(rule.latestStart)")
        }
        let end = start.adding(minutes: rule.minutes)
        guard let after = stops.firstIndex(where: { $0.begin >= end && $0.name != "start" }), after > 0 else {
            return found + ["H4 \(id): break does not fit between two stops of the day"]
        }
        let before = stops[after - 1]
        if before.end > start { found.append("H4 \(id): break overlaps \(before.name)") }
        if minutes(before.end, stops[after].begin) < drive(before.place, stops[after].place, leaving: before.end) + rule.minutes {
            found.append("H4 \(id): no room for the break and the travel between \(before.name) and \(stops[after].name)")
        }
        return found
    }

    /// No gap between the technician's locked visits (and the shift's ends) holds the travel and
    /// a break starting inside its range (`anywhere`: starting at all, by the shift's end less the break).
    func lockedVisitsCrowdOut(_ rule: BreakPolicy, technician: Technician, anywhere: Bool = false) -> Bool {
        var fixed: [(place: GeoPoint, begin: Instant, end: Instant)] = scenario.orders.compactMap { order in
            guard let lock = order.lock, lock.technicianID == technician.id else { return nil }
            return (order.location, lock.start, lock.start.adding(minutes: order.durationMinutes))
        }
        if fixed.isEmpty { return false }
        fixed.sort { $0.begin < $1.begin }
        let shiftStart = localInstant(technician.shift.start)
        let shiftEnd = localInstant(technician.shift.end)
        fixed.insert((technician.startLocation, shiftStart, shiftStart), at: 0)
        fixed.append((technician.endLocation, shiftEnd, shiftEnd))
        let from = localInstant(rule.earliestStart)
        let until = anywhere ? shiftEnd.adding(minutes: -rule.minutes) : localInstant(rule.latestStart)
        for index in fixed.indices.dropLast() {
            let (a, b) = (fixed[index], fixed[index + 1])
            // The break may begin once they leave a and by its latest start; they reach b after it and the drive.
            let begins = max(a.end, from)
            if begins <= until, minutes(max(a.end.adding(minutes: drive(a.place, b.place, leaving: a.end)), from), b.begin) >= rule.minutes
            {
                return false
            }
        }
        return true
    }

    /// H2 and H5 for coordinated groups.
    func groupRules(_ plan: Plan) -> [String] {
        var found: [String] = []
        let members = Dictionary(grouping: scenario.orders.filter { $0.group != nil }, by: { $0.group! })
        let planned = Dictionary(grouping: plan.visits, by: \.order)
        for (group, orders) in members.sorted(by: { $0.key < $1.key }) where orders.count > 1 {
            let visits = orders.compactMap { planned[$0.id]?.first }
            if visits.isEmpty { continue }
            if visits.count != orders.count { found.append("H5 \(group): only \(visits.count) of \(orders.count) members planned") }
            let arrival = visits.map(\.start).min()!
            // A visit already begun (a member locked to start by now, halves locked at different
            // starts, or a member finished, perhaps ahead of its locked start): the members still
            // to come cannot start with it and follow when they can.
            // The locks by technician and start: each technician's first is the head of its share.
            let locks = orders.compactMap { order in
                order.lock.map { (technician: $0.technicianID, start: $0.start, end: $0.start.adding(minutes: order.durationMinutes)) }
            }.sorted { ($0.technician, $0.start) < ($1.technician, $1.start) }
            let heads = locks.indices.filter { $0 == 0 || locks[$0 - 1].technician != locks[$0].technician }.map { locks[$0].start }
            // (Or, on one technician, a member locked later than the end of the one locked before
            // it: that one overran, or began ahead of its start, and this one was announced again.)
            let apart = zip(locks, locks.dropFirst()).contains { $0.technician == $1.technician && $0.end < $1.start }
            let begun =
                heads.contains { $0 <= scenario.now } || Set(heads).count > 1 || orders.contains { finished.contains($0.id) } || apart
            for order in orders where !finished.contains(order.id) {
                guard let window = order.window, order.lock == nil, arrival < window.start || arrival > window.end else { continue }
                // A member still to come of a visit that began may have an appointment of its own:
                // booked into a new window after its partner's half was done (found by the
                // concurrency harness: the finished half's start was held against the new window).
                // It keeps that window; one that follows its partner late keeps the group's.
                if begun, let start = planned[order.id]?.first?.start, start >= window.start, start <= window.end { continue }
                found.append("H2 \(group): the group's arrival is outside \(order.id)'s window")
            }
            let contacts = visits.filter(\.contact).count
            if contacts != 1 { found.append("H5 \(group): \(contacts) contacts, not exactly one") }
            let tolerance = scenario.policy.syncToleranceMinutes
            for (technician, own) in Dictionary(grouping: visits, by: \.technician).sorted(by: { $0.key < $1.key }) {
                let sorted = own.sorted { $0.start < $1.start }
                if !begun, minutes(arrival, sorted[0].start) > tolerance {
                    found.append("H5 \(group): \(technician) starts more than \(tolerance) minutes after the group's arrival")
                }
                // Back to back, unless the later member of a begun visit is locked later (the one
                // before it overran: it starts where it was announced again).
                func lockedLater(_ visit: PlannedVisit) -> Bool {
                    begun && orders.contains { $0.id == visit.order && $0.lock == Lock(technicianID: technician, start: visit.start) }
                }
                for (a, b) in zip(sorted, sorted.dropFirst()) where a.end != b.start && !(a.end < b.start && lockedLater(b)) {
                    found.append("H5 \(group): \(technician)'s members \(a.order) and \(b.order) are not back to back")
                }
                let route = plan.routes.first { $0.technician == technician }?.orders ?? []
                if let first = route.firstIndex(of: sorted[0].order),
                    route.count >= first + sorted.count, Array(route[first..<(first + sorted.count)]) != sorted.map(\.order)
                {
                    found.append("H5 \(group): \(technician) does other work between members")
                }
            }
        }
        return found
    }
}

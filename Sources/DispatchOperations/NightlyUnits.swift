import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

/// What one unit of a nightly day plans: a group of territories no technician or contractor
/// quota links to the rest of the day, so it can be planned on its own by any worker.
struct UnitSpec: Codable, Equatable {
    var territories: [String]
    var technicians: [String]
    /// Orders carried onto this day from the day before (still unassigned), whatever their territory.
    var carried: [String]
    /// The first day of the run: a day never imported is planned with its settings.
    var template: String
    var now: Int
    var seconds: Double
    /// An iteration budget instead of `seconds` (`NightlyOptions.iterations`).
    var iterations: Int?
    var seed: UInt64
    /// Searches side by side (`NightlyOptions.searches`; absent in a spec written before: 1).
    var searches: Int?

    /// The territory key of orders and technicians bound to none.
    static let anywhere = "*"
}

/// A unit's answer: its plan (plan JSON) and the orders that found no place in it.
struct UnitResult: Codable {
    var plan: String
    var unassigned: [String]

    init(plan: String, unassigned: [String]) {
        self.plan = plan
        self.unassigned = unassigned
    }

    private enum CodingKeys: String, CodingKey {
        case plan, unassigned
        /// The name before 2026-12-06 (a unit done by a worker of the version before).
        case unplaced
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        plan = try container.decode(String.self, forKey: .plan)
        unassigned = try container.decodeIfPresent([String].self, forKey: .unassigned) ?? container.decode([String].self, forKey: .unplaced)
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plan, forKey: .plan)
        try container.encode(unassigned, forKey: .unassigned)
    }
}

extension NightlyInput {
    /// The day split into independent units: territories joined when one technician may work in
    /// both or one contractor's quota spans both (an order or technician bound to no territory
    /// joins everything). Largest unit first, so it is claimed first.
    func units() -> [(territories: [String], technicians: [String], orders: Int)] {
        var parent: [String: String] = [:]
        func find(_ key: String) -> String {
            var key = key
            while let up = parent[key], up != key { key = up }
            return key
        }
        func union(_ a: String, _ b: String) {
            let (ra, rb) = (find(a), find(b))
            if parent[ra] == nil { parent[ra] = ra }
            if parent[rb] == nil { parent[rb] = rb }
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        func add(_ key: String) { if parent[key] == nil { parent[key] = key } }
        let orderKeys = scenario.orders.map { $0.territory ?? UnitSpec.anywhere }
        orderKeys.forEach(add)
        var everything = false
        for technician in scenario.technicians {
            guard let territories = technician.territories, !territories.isEmpty else {
                everything = true
                continue
            }
            territories.forEach(add)
            for territory in territories.dropFirst() { union(territories[0], territory) }
        }
        if everything || parent[UnitSpec.anywhere] != nil {
            add(UnitSpec.anywhere)
            for key in Array(parent.keys) { union(UnitSpec.anywhere, key) }
        }
        // A contractor's quota is one count for the day: its technicians' territories stay together.
        for (_, crewTechnicians) in Dictionary(grouping: scenario.technicians.filter { $0.crewID != nil }, by: { $0.crewID ?? "" }) {
            let keys = crewTechnicians.flatMap { $0.territories ?? [UnitSpec.anywhere] }
            for key in keys.dropFirst() { union(keys[0], key) }
        }
        var members: [String: [String]] = [:]
        for key in parent.keys { members[find(key), default: []].append(key) }
        let units = members.values.map { keys -> (territories: [String], technicians: [String], orders: Int) in
            let set = Set(keys)
            let technicians = scenario.technicians.filter { technician in
                (technician.territories ?? [UnitSpec.anywhere]).contains { set.contains($0) } || set.contains(UnitSpec.anywhere)
            }.map(\.id)
            return (keys.sorted(), technicians, orderKeys.filter { set.contains($0) }.count)
        }
        return units.sorted { ($0.orders, $1.territories.first ?? "") > ($1.orders, $0.territories.first ?? "") }
    }

    /// The part of the day a unit plans: its territories' orders (and those carried onto the
    /// day, when they fall in its territories), its technicians, and their published visits.
    func restricted(to spec: UnitSpec) -> NightlyInput {
        let territories = Set(spec.territories)
        let technicians = Set(spec.technicians)
        var day = scenario
        day.orders = scenario.orders.filter { territories.contains($0.territory ?? UnitSpec.anywhere) }
        day.technicians = scenario.technicians.filter { technicians.contains($0.id) }
        var published = previous
        published?.visits.removeAll { !technicians.contains($0.technician) }
        return NightlyInput(
            scenario: day, previous: published, promised: promised, movable: movable, listed: listed, revision: revision, settled: settled)
    }
}

extension Plan {
    /// The day's plan from its units' plans: every visit, route and reason, the figures summed.
    static func merged(_ parts: [Plan], day: Scenario) -> Plan {
        let visits = parts.flatMap(\.visits).sorted { ($0.start, $0.technician, $0.order) < ($1.start, $1.technician, $1.order) }
        let kpis = parts.map(\.kpis).reduce(
            PlanKPIs(
                orders: 0, assigned: 0, travelMinutes: 0, outsourcedOrders: 0, outsourcedCost: .zero,
                lateRepairs: 0)
        ) { total, part in
            PlanKPIs(
                orders: total.orders + part.orders, assigned: total.assigned + part.assigned,
                travelMinutes: total.travelMinutes + part.travelMinutes, outsourcedOrders: total.outsourcedOrders + part.outsourcedOrders,
                outsourcedCost: total.outsourcedCost + part.outsourcedCost, lateRepairs: total.lateRepairs + part.lateRepairs)
        }
        return Plan(
            scenario: day.name, date: day.date, visits: visits, routes: parts.flatMap(\.routes).sorted { $0.technician < $1.technician },
            unassigned: parts.flatMap(\.unassigned).sorted { $0.order < $1.order }, kpis: kpis, warnings: parts.flatMap(\.warnings))
    }
}

extension DispatchOperations {
    /// Claims one queued unit of a nightly run (or one whose holder's lease ran out), plans it
    /// while renewing the lease, and stores its result. Returns false when no unit was waiting.
    /// A worker whose lease was taken over meanwhile stores nothing: the other worker's result counts.
    /// `threads`: how many of the unit's searches run at once (the plan does not depend on it).
    public func nightlyWork(worker: String, leaseSeconds: Int = 30, threads: Int = 1) async throws -> Bool {
        let lease = max(1, leaseSeconds)
        guard let unit = try await perform({ context in try context.tx.claimUnit(worker: worker, leaseSeconds: lease) }) else {
            return false
        }
        let spec: UnitSpec
        do { spec = try JSONDecoder().decode(UnitSpec.self, from: Data(unit.spec.utf8)) } catch {
            throw OperationError.badInput("unit \(unit.unit) of \(unit.day) in run \(unit.run) has an unreadable spec: \(error)")
        }
        let template = LocalDate(iso: spec.template) ?? unit.day
        guard let input = try await read({ context in try context.nightlyInput(unit.day, carried: spec.carried, like: template) }) else {
            throw OperationError.notFound("unit \(unit.unit) of run \(unit.run): no service day \(unit.day)")
        }
        let part = input.restricted(to: spec)
        // The lease is renewed every third of its length while the search runs.
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(lease) * 1_000_000_000 / 3)
                if Task.isCancelled { break }
                _ = try? await perform { context in try context.tx.renewLease(unit, worker: worker, leaseSeconds: lease) }
            }
        }
        let (plan, unassigned) = await Task.detached {
            part.plan(
                now: Instant(secondsSinceEpoch: spec.now),
                budget: SearchBudget(
                    seconds: spec.seconds, iterations: spec.iterations, searches: spec.searches ?? 1, threads: threads),
                seed: spec.seed)
        }.value
        heartbeat.cancel()
        let result = UnitResult(plan: try PlanJSON.encode(plan, zone: input.scenario.timeZone), unassigned: unassigned)
        let text = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        _ = try await perform { context in try context.tx.completeUnit(unit, worker: worker, result: text) }
        return true
    }

    /// Plans a day through the unit queue: queues its units, waits until workers finished them
    /// all, and merges their plans. Nil when `stop` asked to stop while waiting.
    func plannedByWorkers(
        _ input: NightlyInput, run: Int, carried: [String], first: LocalDate, options: NightlyOptions,
        progress: @Sendable (String) -> Void, stop: @Sendable () -> Bool
    ) async throws -> (Plan, unassigned: [String])? {
        let now = clock.now()
        let units = input.units()
        let total = max(1, input.scenario.orders.count)
        let specs = try units.map { unit -> String in
            let spec = UnitSpec(
                territories: unit.territories, technicians: unit.technicians, carried: carried, template: first.description,
                now: now.secondsSinceEpoch, seconds: options.seconds * Double(max(1, unit.orders)) / Double(total),
                iterations: options.iterations, seed: options.seed, searches: options.searches)
            return String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        }
        let date = input.scenario.date
        try await perform { context in try context.tx.queueUnits(run: run, day: date, specs: specs) }
        progress("\(date): \(units.count) units queued (\(units.map { $0.territories.joined(separator: "+") }.joined(separator: ", ")))")
        var done = -1
        var quietSince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(options.deadlineSeconds)
        while true {
            let states = try await read { context in try context.tx.units(run: run, day: date) }
            if let failed = states.first(where: { $0.state != "done" && $0.attempts >= options.maxUnitAttempts && $0.leaseExpired }) {
                throw OperationError(
                    .workersLost,
                    "unit \(failed.unit) of \(date) was claimed \(failed.attempts) times and its worker "
                        + "died each time; nothing of \(date) was published (see the workers' logs)")
            }
            if let alive = options.workersAlive, !alive(), states.contains(where: { $0.state != "done" }) {
                throw OperationError(
                    .workersLost,
                    "every worker this run started has exited with units of \(date) left; "
                        + "nothing of \(date) was published")
            }
            if ContinuousClock.now > deadline {
                throw OperationError(
                    .workersLost,
                    "the units of \(date) were not planned within the run's deadline of "
                        + "\(Int(options.deadlineSeconds)) s; nothing of \(date) was published")
            }
            let finished = states.filter { $0.state == "done" }
            if finished.count != done || states.contains(where: { $0.state == "running" }) { quietSince = .now }
            if finished.count != done {
                done = finished.count
                progress("\(date): \(done) of \(states.count) units done")
            }
            if quietSince.duration(to: .now) > .seconds(60) {
                progress("\(date): no worker has claimed a unit for a minute; start 'dispatch nightly worker' against this database")
                quietSince = .now
            }
            if finished.count == states.count {
                var plans: [Plan] = []
                var unassigned: [String] = []
                for unit in finished {
                    guard let text = unit.result, let result = try? JSONDecoder().decode(UnitResult.self, from: Data(text.utf8)) else {
                        throw OperationError(.storage, "unit \(unit.unit) of \(date) has no readable result")
                    }
                    plans.append(try PlanJSON.decode(Data(result.plan.utf8), file: "unit \(unit.unit) of \(date)"))
                    unassigned += result.unassigned
                }
                return (Plan.merged(plans, day: input.scenario), unassigned.sorted())
            }
            if stop() { return nil }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
    }
}

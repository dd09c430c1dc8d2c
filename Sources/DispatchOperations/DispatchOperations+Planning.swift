import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

/// A plan computed for a stored day, with what it was computed from: the published version it
/// replaces and the day's revision it was read at. Published by `DispatchOperations.publish`,
/// which rebases it onto whatever changed since.
public struct Proposal: Sendable {
    public var plan: Plan
    /// The published version the plan was computed from (nil: none was published).
    public var basedOn: Int?
    /// The day's revision when it was read.
    public var revision: Int?
    public var seed: UInt64
    /// Fitted to the day even when nothing changed since (a plan read from a file is checked
    /// against the day as it is, every visit of it).
    public var verify = false

    public init(plan: Plan, basedOn: Int?, revision: Int?, seed: UInt64) {
        self.plan = plan
        self.basedOn = basedOn
        self.revision = revision
        self.seed = seed
    }
}

/// What a rebase made of a proposal computed from an older day.
public struct Rebase: Sendable, Equatable {
    /// Visits of the proposal published as computed.
    public var kept = 0
    /// Orders the changes since touched: placed again (`replaced`), or left unassigned (`unassigned`).
    public var replaced: [String] = []
    public var unassigned: [String] = []
    /// Why it was rebased: the day moved on, or the proposal would have dropped a visit under way.
    public var why: String = ""
    /// How long the rebase took, under the day's lock.
    public var milliseconds = 0
}

/// A proposal published: the outcome, and the rebase when the day had moved on.
public struct PlanPublication: Sendable, Equatable {
    public var outcome: PublishOutcome
    public var rebase: Rebase?
    /// The plan as published (the proposal, or its rebase).
    public var plan: Plan
}

extension DispatchOperations {
    /// Reads the day as the planner sees it (outside any write lock), computes a plan with
    /// `solve` (no transaction open), and returns it with what it was computed from.
    public func propose(
        _ date: LocalDate, now: Instant, seed: UInt64, solve: @Sendable (Scenario) async -> Plan
    ) async throws -> (proposal: Proposal, day: Scenario)? {
        guard let (planning, version, revision) = try await planningDay(date) else { return nil }
        var day = planning
        day.now = now
        return (Proposal(plan: await solve(day), basedOn: version, revision: revision, seed: seed), day)
    }

    /// Publishes a proposal as the day's next version. When anything changed since it was
    /// computed (another version published, a notice delivered, a status reported), it is
    /// **rebased** under the day's lock rather than thrown away: every visit that still holds is
    /// kept as computed; visits that are facts now (announced, under way, done) stand where they
    /// are; orders changed meanwhile (by hand, by a reaction) keep their newest published visit;
    /// what no longer fits and what is new is placed again, in the planner's priority order.
    /// A proposal that would drop a visit under way is rebased the same way.
    public func publish(_ proposal: Proposal, actor: String, cause: String = "plan") async throws -> PlanPublication {
        try await perform { context in
            let date = proposal.plan.date
            try context.lockDays([date])
            try context.applyUnappliedDeliveries(onDay: date)
            let current = try context.tx.revision(of: date)
            let previous = try context.tx.publishedPlan(on: date, lock: true)
            var plan = proposal.plan
            var rebase: Rebase?
            let moved = previous?.version != proposal.basedOn || (proposal.revision != nil && current != proposal.revision)
            let dropsUnderway = try context.dropsUnderway(plan, previous: previous)
            if moved || proposal.verify || !dropsUnderway.isEmpty {
                var why =
                    moved
                    ? "the day changed while the plan was computed (version \(previous?.version ?? 0), revision \(current ?? 0); "
                        + "computed from version \(proposal.basedOn ?? 0), revision \(proposal.revision ?? 0))"
                    : proposal.verify ? "a plan from a file is fitted to the day as it is" : ""
                if !dropsUnderway.isEmpty {
                    why +=
                        (why.isEmpty ? "" : "; ")
                        + "it would leave visits under way unassigned: \(dropsUnderway.sorted().joined(separator: ", "))"
                }
                let started = ContinuousClock.now
                let based = try proposal.basedOn.flatMap { try context.tx.publishedVersion(on: date, version: $0) }
                (plan, rebase) = try context.rebased(plan, base: based, previous: previous, date: date)
                rebase?.why = why
                let took = ContinuousClock.now - started
                rebase?.milliseconds = Int(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000)
            }
            let day = try context.day(date, like: date)
            let outcome = try context.publish(
                plan, day: day, previous: previous, cause: cause, actor: actor,
                lostReason: "the day was re-planned and this visit no longer fits", seed: proposal.seed)
            return PlanPublication(outcome: outcome, rebase: rebase, plan: plan)
        }
    }
}

extension OperationContext {
    /// The stored day as the planner sees it (see `DispatchOperations.planningDay`), with the
    /// state of each of its orders.
    func planningScenario(_ date: LocalDate, published: PublishedPlan?) throws -> (day: Scenario, states: [String: OrderState])? {
        guard let (stored, orders) = try tx.scenarioAndOrders(on: date) else { return nil }
        var day = stored
        let states = Dictionary(orders.map { ($0.order.id, $0.state) }, uniquingKeysWith: { first, _ in first })
        day.orders = OrderWorkflow.planning(day.orders, states: states, published: published?.visits ?? [])
        return (day, states)
    }

    /// The orders of `previous` under way (en route, begun or done) that `plan` leaves out.
    func dropsUnderway(_ plan: Plan, previous: PublishedPlan?) throws -> Set<String> {
        guard let previous else { return [] }
        let planned = Set(plan.visits.map(\.order))
        let missing = previous.visits.map(\.order).filter { !planned.contains($0) }
        guard !missing.isEmpty else { return [] }
        return Set(try tx.orders(ids: missing, groups: []).filter { OrderWorkflow.underway.contains($0.state) }.map(\.order.id))
    }

    /// `plan`, computed from the day as published in `base`, fitted to the day as it is now
    /// (`previous` published): see `DispatchOperations.publish`. Runs under the day's lock; it
    /// places visits with the planner's insertion, no search.
    func rebased(_ plan: Plan, base: PublishedPlan?, previous: PublishedPlan?, date: LocalDate) throws -> (Plan, Rebase) {
        guard let (planning, states) = try planningScenario(date, published: previous) else {
            throw OperationError.notFound("no day \(date)")
        }
        var day = planning
        day.now = now
        let orders = Dictionary(day.orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let current = Dictionary((previous?.visits ?? []).map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
        let before = Dictionary((base?.visits ?? []).map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
        func same(_ a: PlannedVisit?, _ b: PlannedVisit?) -> Bool { a?.technician == b?.technician && a?.start == b?.start }
        // Facts: visits announced, under way or done stand as published now.
        var kept: [PlannedVisit] = []
        var underway: Set<String> = []
        var decided: Set<String> = []
        for visit in previous?.visits ?? [] {
            guard let order = orders[visit.order] else { continue }
            let state = states[visit.order] ?? .new
            if order.lock != nil || OrderWorkflow.locked.contains(state) || OrderWorkflow.begun.contains(state) {
                // Where its lock holds it (the lock is the fact; the published visit agrees with it).
                var fact = visit
                if let lock = order.lock, lock.technicianID != visit.technician || lock.start != visit.start {
                    fact.technician = lock.technicianID
                    fact.start = lock.start
                    fact.end = lock.start.adding(minutes: visit.start.minutes(until: visit.end))
                }
                kept.append(fact)
                decided.insert(visit.order)
                if OrderWorkflow.underway.contains(state) { underway.insert(visit.order) }
            } else if !same(visit, before[visit.order]) {
                // Changed meanwhile (by hand, by a reaction): the newest decision stands.
                kept.append(visit)
                decided.insert(visit.order)
            }
        }
        // A coordinated visit is one visit: when any member is decided, every member stays as published.
        let decidedGroups = Set((previous?.visits ?? []).filter { decided.contains($0.order) }.compactMap(\.group))
        for visit in previous?.visits ?? [] where !decided.contains(visit.order) && orders[visit.order] != nil {
            guard let group = visit.group, decidedGroups.contains(group) else { continue }
            kept.append(visit)
            decided.insert(visit.order)
        }
        // The proposal's own visits, where nothing since touched them.
        let earliest = now.adding(minutes: day.policy.noticeMinutes)
        let technicians = Set(day.technicians.map(\.id))
        var touched: Set<String> = []
        for visit in plan.visits where !decided.contains(visit.order) {
            guard let order = orders[visit.order] else { continue }  // no longer planned (rebooking, cancelled, moved)
            let changedMeanwhile = before[visit.order] != nil && current[visit.order] == nil
            let outsideWindow = order.window.map { visit.start < $0.start || visit.start > $0.end } ?? false
            let unpinned = order.pin.map { $0.technicianID != visit.technician || ($0.start.map { $0 != visit.start } ?? false) } ?? false
            let unknown = !technicians.contains(visit.technician)
            if changedMeanwhile || outsideWindow || unpinned || unknown || visit.start < earliest {
                touched.insert(visit.order)
                continue
            }
            kept.append(visit)
        }
        // A coordinated visit goes whole or not at all.
        let groupsTouched = Set(plan.visits.filter { touched.contains($0.order) }.compactMap(\.group))
        kept.removeAll { visit in
            guard let group = visit.group, groupsTouched.contains(group), !decided.contains(visit.order) else { return false }
            touched.insert(visit.order)
            return true
        }
        let proposalIDs = Set(plan.visits.map(\.order))
        let fitted = KeptDay(day: day, kept: kept, first: underway, last: proposalIDs.subtracting(decided))
        let (keptPlan, unassignedKept) = fitted.keptPlan(now: now)
        // Everything the day plans and the kept day does not serve is tried again, most urgent first.
        let served = Set(keptPlan.visits.map(\.order))
        // (A group with a member served is not split: its other members stay unassigned.)
        let servedGroups = Set(day.orders.filter { served.contains($0.id) }.compactMap(\.group))
        var jobs: [String: [WorkOrder]] = [:]
        for order in day.orders where !served.contains(order.id) && order.lock == nil {
            if let group = order.group, servedGroups.contains(group) { continue }
            jobs[order.group.map { "group:\($0)" } ?? "order:\(order.id)", default: []].append(order)
        }
        let ordered = KeptDay.byPriority(Array(jobs.values), policy: day.policy, now: now)
        let (added, _, unassigned) = fitted.adding(jobs: ordered, now: now)
        var result = added
        result.date = plan.date
        result.scenario = plan.scenario
        result.warnings = plan.warnings
        let visited = Set(result.visits.map(\.order))
        let left = Set(day.orders.map(\.id)).subtracting(visited)
        result.unassigned = explained(left, day: day, visits: result.visits)
        result.kpis.orders = result.visits.count + result.unassigned.count
        result.kpis.assigned = result.visits.count
        let redo = touched.union(unassignedKept).union(proposalIDs.subtracting(visited).filter { orders[$0] != nil })
        let computed = Dictionary(plan.visits.map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
        let rebase = Rebase(
            kept: result.visits.filter { same($0, computed[$0.order]) }.count,
            replaced: redo.filter(visited.contains).sorted(), unassigned: Set(unassigned).union(redo).subtracting(visited).sorted())
        return (result, rebase)
    }
}

/// One stored plan version with its figures and who published it.
public struct PlanVersionSummary: Sendable, Equatable {
    public var version: Int
    public var createdAt: Instant
    public var publishedBy: String?
    public var cause: String?
    public var kpis: PlanKPIs
}

/// What changed from one plan version of a day to another.
public struct PlanDiff: Sendable, Equatable {
    public struct Move: Sendable, Equatable {
        public var from: PlannedVisit
        public var to: PlannedVisit
    }
    public var date: LocalDate
    public var zone: ServiceTimeZone
    public var currency: String
    public var from: PlanVersionSummary
    public var to: PlanVersionSummary
    /// Visits only the later version has, only the earlier one has, and those with another
    /// technician or start.
    public var added: [PlannedVisit] = []
    public var removed: [PlannedVisit] = []
    public var moved: [Move] = []
    public var unchanged = 0

    /// The visits only `later` has, only `earlier` has, those with another technician or start
    /// (each list in the orders' natural order), and how many stay as they were.
    static func changes(from earlier: [PlannedVisit], to later: [PlannedVisit])
        -> (added: [PlannedVisit], removed: [PlannedVisit], moved: [Move], unchanged: Int)
    {
        let before = Dictionary(earlier.map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(later.map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
        var added: [PlannedVisit] = []
        var moved: [Move] = []
        var unchanged = 0
        for visit in later {
            guard let old = before[visit.order] else {
                added.append(visit)
                continue
            }
            if old.technician != visit.technician || old.start != visit.start {
                moved.append(Move(from: old, to: visit))
            } else {
                unchanged += 1
            }
        }
        var removed = earlier.filter { after[$0.order] == nil }
        func byOrder(_ a: PlannedVisit, _ b: PlannedVisit) -> Bool { naturallyBefore(a.order, b.order) }
        added.sort(by: byOrder)
        removed.sort(by: byOrder)
        moved.sort { byOrder($0.to, $1.to) }
        return (added, removed, moved, unchanged)
    }
}

extension DispatchOperations {
    /// The day's stored plan versions, oldest first, with their figures; nil when no such day.
    public func planVersions(on date: LocalDate) async throws
        -> (zone: ServiceTimeZone, currency: String, versions: [PlanVersionSummary])?
    {
        guard let day = try await read({ context in try context.tx.scenario(on: date) }) else { return nil }
        let stored = try await store.plans(on: date)
        let versions = try stored.map { plan in
            let document = try PlanJSON.decode(Data(plan.document.utf8), file: "plan version \(plan.version) of \(date)")
            return PlanVersionSummary(
                version: plan.version, createdAt: plan.createdAt, publishedBy: plan.publishedBy, cause: plan.cause, kpis: document.kpis)
        }
        return (day.timeZone, day.policy.currency, versions)
    }

    /// What changed between two stored versions of the day's plan.
    public func planDiff(on date: LocalDate, from: Int, to: Int) async throws -> PlanDiff {
        guard let (zone, currency, versions) = try await planVersions(on: date) else {
            throw OperationError.notFound("no day \(date)")
        }
        func summary(_ version: Int) throws -> PlanVersionSummary {
            guard let found = versions.first(where: { $0.version == version }) else {
                let known = versions.map { String($0.version) }.joined(separator: ", ")
                throw OperationError.notFound("no plan version \(version) of \(date) (stored: \(known.isEmpty ? "none" : known))")
            }
            return found
        }
        var diff = PlanDiff(date: date, zone: zone, currency: currency, from: try summary(from), to: try summary(to))
        let (earlier, later) = try await read { context in
            (
                try context.tx.publishedVersion(on: date, version: from)?.visits ?? [],
                try context.tx.publishedVersion(on: date, version: to)?.visits ?? []
            )
        }
        let changes = PlanDiff.changes(from: earlier, to: later)
        diff.added = changes.added
        diff.removed = changes.removed
        diff.moved = changes.moved
        diff.unchanged = changes.unchanged
        return diff
    }
}

/// A re-plan of a day computed for review: the proposal (published later as it is, rebased if
/// the day moved on meanwhile) beside the plan published when it was computed.
public struct ReplanPreview: Sendable {
    public var proposal: Proposal
    public var zone: ServiceTimeZone
    public var currency: String
    /// The figures of the published plan it would replace (nil: none was published) and its own.
    public var published: PlanKPIs?
    public var proposed: PlanKPIs
    public var added: [PlannedVisit]
    public var removed: [PlannedVisit]
    public var moved: [PlanDiff.Move]
    public var unchanged: Int
}

extension DispatchOperations {
    /// Computes a plan of the day with `solve` (as `propose` does: from a read of the day, no
    /// lock held) and compares it with the version it was computed from; stores nothing.
    public func replanPreview(_ date: LocalDate, seed: UInt64, solve: @Sendable (Scenario) async -> Plan) async throws -> ReplanPreview? {
        guard let (proposal, day) = try await propose(date, now: clock.now(), seed: seed, solve: solve) else { return nil }
        let base = try await read { context in
            try proposal.basedOn.flatMap { try context.tx.publishedVersion(on: date, version: $0) }
        }
        let published = try base.map { try $0.decoded(on: date).kpis }
        let changes = PlanDiff.changes(from: base?.visits ?? [], to: proposal.plan.visits)
        return ReplanPreview(
            proposal: proposal, zone: day.timeZone, currency: day.policy.currency, published: published, proposed: proposal.plan.kpis,
            added: changes.added, removed: changes.removed, moved: changes.moved, unchanged: changes.unchanged)
    }
}

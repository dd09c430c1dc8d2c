import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

/// A dispatcher's change on the live board: what `dispatch assign`, `pin`, `unpin`, `unassign`
/// and `move` do, as a value the board sends, previews and undoes.
public enum DeskChange: Sendable, Equatable {
    case assign(order: String, technician: String, start: Instant?, pin: Bool)
    case unpin(order: String)
    case unassign(order: String)
    case move(order: String, to: LocalDate)

    public var order: String {
        switch self {
        case .assign(let order, _, _, _), .unpin(let order), .unassign(let order), .move(let order, _): return order
        }
    }

    /// Its name in the API (`action`).
    public var action: String {
        switch self {
        case .assign(_, _, _, let pin): return pin ? "pin" : "assign"
        case .unpin: return "unpin"
        case .unassign: return "unassign"
        case .move: return "move"
        }
    }
}

/// What one technician's day gains or loses by a change.
public struct RouteEffect: Sendable, Equatable {
    public var technician: String
    public var day: LocalDate
    public var visitsBefore = 0
    public var visitsAfter = 0
    /// Minutes driving, and minutes at the customers', before and after.
    public var travelBefore = 0
    public var travelAfter = 0
    public var workBefore = 0
    public var workAfter = 0

    /// The insertion's added minutes (negative: the day is shorter by that much).
    public var addedMinutes: Int { travelAfter + workAfter - travelBefore - workBefore }
}

/// What a desk change does (preview) or did: the visits it moves, what each technician's day
/// gains or loses, the promises it keeps or breaks, the notices it queues; with the change that
/// undoes it.
public struct DeskEffect: Sendable {
    public var change: DeskChange
    /// False: a preview, nothing was stored.
    public var applied: Bool
    /// The plan versions published (or that would be), one a day the change touched.
    public var versions: [PublishOutcome] = []
    public var zone: ServiceTimeZone
    public var added: [PlannedVisit] = []
    public var removed: [PlannedVisit] = []
    public var moved: [PlanDiff.Move] = []
    public var routes: [RouteEffect] = []
    /// Visits placed or moved inside their appointment window (the plan never breaks one: H2).
    public var windowsKept: [String] = []
    /// Promises the change breaks: those orders go to rebooking, their customers told.
    public var rebooked: [String] = []
    /// Orders without a promise the change leaves unassigned (back to `new`).
    public var unassigned: [String] = []
    public var notices = 0
    /// The change that puts back what this one changed (nil: nothing to put back).
    public var undo: DeskChange?

    /// In a line, e.g. "WO-1004 to T03 at 10:40 · T03 +52 min (travel +12) · T01 −40 min · 1
    /// window kept · 1 notice".
    public var summary: String {
        func clock(_ instant: Instant) -> String { zone.local(instant).time.description }
        func signed(_ minutes: Int) -> String { minutes > 0 ? "+\(minutes)" : minutes < 0 ? "−\(-minutes)" : "±0" }
        var parts: [String] = []
        for move in moved {
            parts.append(
                "\(move.to.order) \(move.from.technician) \(clock(move.from.start)) → \(move.to.technician) \(clock(move.to.start))")
        }
        for visit in added { parts.append("\(visit.order) to \(visit.technician) at \(clock(visit.start))") }
        for visit in removed { parts.append("\(visit.order) off \(visit.technician)'s day") }
        for route in routes where route.addedMinutes != 0 || route.travelAfter != route.travelBefore {
            parts.append(
                "\(route.technician) \(signed(route.addedMinutes)) min (travel \(signed(route.travelAfter - route.travelBefore)))")
        }
        if !windowsKept.isEmpty { parts.append(plural(windowsKept.count, "window") + " kept") }
        if !rebooked.isEmpty { parts.append("promise broken: \(rebooked.joined(separator: ", ")) to rebooking") }
        if !unassigned.isEmpty { parts.append("unassigned: \(unassigned.joined(separator: ", "))") }
        parts.append(notices == 0 ? "no notice" : plural(notices, "notice"))
        if versions.isEmpty { parts.append("no visit moves") }
        return parts.joined(separator: " · ")
    }
}

/// Carries a preview's effect out of the transaction it was worked out in, which rolls back.
struct RolledBack: Error {
    let effect: DeskEffect
}

extension DispatchOperations {
    /// Makes a dispatcher's change, or with `preview` works out what it would do and stores
    /// nothing: the same operation in a transaction that is rolled back (it takes the day's lock
    /// as long as that takes; nothing is published, queued or sent, no event goes out). A refused
    /// change throws as the operation does ("refused (H7): …"). `basedOn`: the plan version of
    /// the order's day the dispatcher looked at (a conflict when another was published since).
    public func deskChange(_ change: DeskChange, basedOn: Int? = nil, preview: Bool = false, actor: String) async throws -> DeskEffect {
        let work: @Sendable (OperationContext) throws -> DeskEffect = { context in
            // The order as it was, for the undo (its visits: the plan the change replaced, read once by the change).
            let before = try context.tx.order(change.order)
            switch change {
            case .assign(let order, let technician, let start, let pin):
                _ = try context.assign(order: order, technician: technician, start: start, pin: pin, basedOn: basedOn, actor: actor)
            case .unpin(let order):
                try context.unpin(order: order, actor: actor)
            case .unassign(let order):
                _ = try context.unassign(order: order, basedOn: basedOn, actor: actor)
            case .move(let order, let date):
                _ = try context.move(order: order, to: date, basedOn: basedOn, actor: actor)
            }
            let replaced = before.flatMap { order in context.journal.entries.first { $0.plan.date == order.serviceDay } }
            let undo = before.flatMap { context.undoing(change, order: $0, visits: replaced?.previous?.visits ?? []) }
            return try context.effect(of: change, applied: !preview, undo: undo)
        }
        guard preview else { return try await perform(work) }
        do {
            _ = try await perform { context -> Int in throw RolledBack(effect: try work(context)) }
        } catch let rolledBack as RolledBack {
            return rolledBack.effect
        }
        throw OperationError(.storage, "a preview was stored")
    }
}

extension OperationContext {
    /// The change that undoes `change`, from the order as it was before it and the visits of its
    /// day's plan before it (none when the change published nothing there).
    func undoing(_ change: DeskChange, order: StoredOrder, visits: [PlannedVisit]) -> DeskChange? {
        let visit = visits.first { $0.order == order.order.id }
        let pin = order.order.pin
        // A coordinated visit done by several technicians is not put back by one assignment; one
        // done by one technician goes back to them where it fits best (its members start one
        // after the other: one start cannot say where each goes).
        var start = visit?.start
        if let group = order.order.group {
            let members = visits.filter { $0.group == group }
            if Set(members.map(\.technician)).count > 1 {
                if case .move = change {} else if case .unpin = change {} else { return nil }
            }
            if members.count > 1 { start = nil }
        }
        switch change {
        case .assign:
            guard let visit else { return .unassign(order: order.order.id) }
            return .assign(order: order.order.id, technician: visit.technician, start: start, pin: pin != nil)
        case .unpin:
            return pin.map { .assign(order: order.order.id, technician: $0.technicianID, start: $0.start, pin: true) }
        case .unassign:
            return visit.map { .assign(order: order.order.id, technician: $0.technician, start: start, pin: pin != nil) }
        case .move:
            return .move(order: order.order.id, to: order.serviceDay)
        }
    }

    /// What the plan versions this transaction published did (see `DeskEffect`).
    func effect(of change: DeskChange, applied: Bool, undo: DeskChange?) throws -> DeskEffect {
        let entries = journal.entries
        var effect = DeskEffect(change: change, applied: applied, zone: entries.first?.zone ?? .utc, undo: undo)
        for entry in entries {
            effect.versions.append(entry.outcome)
            let changes = PlanDiff.changes(from: entry.previous?.visits ?? [], to: entry.plan.visits)
            effect.added += changes.added
            effect.removed += changes.removed
            effect.moved += changes.moved
            effect.rebooked += entry.outcome.rebooked
            effect.unassigned += entry.outcome.unassigned
            effect.notices += entry.outcome.noticesQueued
            let touched = Set(
                changes.added.map(\.technician) + changes.removed.map(\.technician)
                    + changes.moved.flatMap { [$0.from.technician, $0.to.technician] })
            let before = try entry.previous?.decoded(on: entry.plan.date)
            for technician in touched.sorted(by: naturallyBefore) {
                var route = RouteEffect(technician: technician, day: entry.plan.date)
                if let old = before?.routes.first(where: { $0.technician == technician }) {
                    route.visitsBefore = old.orders.count
                    route.travelBefore = old.travelMinutes
                    route.workBefore = Self.workMinutes(old.orders, before?.visits ?? [])
                }
                if let new = entry.plan.routes.first(where: { $0.technician == technician }) {
                    route.visitsAfter = new.orders.count
                    route.travelAfter = new.travelMinutes
                    route.workAfter = Self.workMinutes(new.orders, entry.plan.visits)
                }
                effect.routes.append(route)
            }
            let placed = changes.added.map(\.order) + changes.moved.map(\.to.order)
            if !placed.isEmpty {
                effect.windowsKept += try tx.orders(ids: placed, groups: []).filter { $0.order.window != nil }.map(\.order.id).sorted(
                    by: naturallyBefore)
            }
        }
        return effect
    }

    static func workMinutes(_ orders: [String], _ visits: [PlannedVisit]) -> Int {
        let ids = Set(orders)
        return visits.filter { ids.contains($0.order) }.reduce(0) { $0 + $1.start.minutes(until: $1.end) }
    }
}

import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

/// What `putOrder` did to an order an order system sent.
public struct OrderPut: Sendable {
    public var view: OrderView
    public var created: Bool
    /// False when the order was stored already exactly as sent (nothing was written).
    public var changed: Bool
    /// Whether the order's day has a published plan (the order is then placed in it at once).
    public var dayPublished: Bool
    /// Why the published plan of its day leaves the order without a visit, when it does.
    public var unassigned: UnassignedOrder?
    /// The plan version this change published, if it published one.
    public var version: Int?
}

/// The conditions a client put on a change (RFC 9110 §13): `If-Match` (the tags of the copy it
/// changed, or `*`), `If-None-Match: *` (create only).
public struct OrderPreconditions: Sendable, Equatable {
    public var ifMatch: [String]?
    public var ifNoneMatchAny: Bool

    public init(ifMatch: [String]? = nil, ifNoneMatchAny: Bool = false) {
        self.ifMatch = ifMatch
        self.ifNoneMatchAny = ifNoneMatchAny
    }
}

extension DispatchOperations {
    /// The fields of an order that only describe it: they may change at any time before it is
    /// closed, without re-planning (the customer's name and phone, the notes).
    static let descriptiveFields: Set<String> = ["customer.name", "customer.phone", "notes"]

    /// Creates or updates the order `id` from `body`, one order exactly as a scenario file's
    /// `orders:` list holds it plus `day` (for an order without a window), checked by the file
    /// loader's own code (`ScenarioLoader.parseOrder`). What may change depends on the order's state
    /// (docs/integration.md): everything while it is new; not its agreed window once booked or
    /// scheduled (booking does that); only the customer's name and phone and the notes once the
    /// customer was told the technician is coming; nothing once it is closed. A new order, or a
    /// changed one, on a day with a published plan is placed around that plan at once (every
    /// published visit kept); a scheduled visit whose order changed is placed again in its window,
    /// or the change is refused. All in one transaction.
    public func putOrder(id: String, body: String, preconditions: OrderPreconditions = .init(), actor: String) async throws
        -> OrderPut
    {
        try await perform { context in try context.putOrder(id: id, body: body, preconditions: preconditions, actor: actor) }
    }
}

extension OperationContext {
    /// `path` names the order in problems (`orders`, `orders[3]` in a bulk request); without
    /// `placeArrivals`, a new order is stored and not placed (the caller places a batch at once).
    func putOrder(
        id: String, body: String, preconditions: OrderPreconditions, actor: String, path: String = "orders",
        placeArrivals placing: Bool = true
    ) throws -> OrderPut {
        let existing = try tx.order(id)
        guard let anchor = try existing.map(\.serviceDay) ?? tx.latestServiceDay() else {
            throw OperationError.conflict("no service day is stored yet: import a day first (its technicians, zone and settings)")
        }
        let zone = try tx.zone(of: anchor) ?? .utc
        let technicians = Set(try tx.technicians(absentOn: anchor).map(\.id))
        let (parsed, extra) = try ScenarioLoader.parseOrder(
            body, file: "request body", path: path, zone: zone, technicians: technicians, extra: ["day"],
            partners: { group in try tx.groupMembers(group).map(\.order) })
        var order = parsed
        let day = try Self.day(of: order, given: extra["day"], stored: existing?.serviceDay, zone: zone, id: id, path: path)
        try tx.ensureServiceDay(day, like: anchor)
        let stored: StoredOrder?
        if existing != nil {
            stored = try lockedOrder(id, also: [day])
        } else {
            try lockDays([day])
            stored = try tx.order(id)
            // Created meanwhile by another request: its day may be another one; start again.
            if stored != nil { throw StoreError(.retryable, "order \(id) was created by another request meanwhile") }
        }
        try Self.require(preconditions, stored: stored, id: id)
        var changes: Set<String> = []
        if let stored {
            // A dispatcher's pin and a notice's lock are not the order system's to change.
            order.pin = stored.order.pin
            order.lock = stored.order.lock
            changes = Self.changedFields(from: stored.order, storedDay: stored.serviceDay, to: order, day: day)
            if changes.isEmpty {
                return try answer(id, created: false, changed: false, version: nil)
            }
            try Self.allow(changes, to: stored, zone: zone)
        }
        let (created, changed) = try tx.storeOrder(order, day: day, at: now, locked: try locked)
        guard changed else { return try answer(id, created: created, changed: false, version: nil) }
        if let stored, stored.serviceDay != day {
            try leaveDay(stored.serviceDay, orders: [id], to: day, actor: actor)
        }
        // Placed (again) when what planning reads changed; a new phone number moves no visit.
        var version: Int?
        let state = stored?.state ?? .new
        if created || !changes.subtracting(DispatchOperations.descriptiveFields).isEmpty {
            if state == .scheduled || state == .confirmed, let previous = try tx.publishedPlan(on: day, lock: true),
                previous.visits.contains(where: { $0.order == id })
            {
                version = try placeAgain(id, on: day, previous: previous, actor: actor)
            } else if state == .new, placing {
                version = try placeArrivals(on: day, actor: actor, again: [id])?.version
            }
        }
        return try answer(id, created: created, changed: true, version: version)
    }

    /// The order's day: its window's, else the `day` sent, else the day it has.
    static func day(
        of order: WorkOrder, given: String?, stored: LocalDate?, zone: ServiceTimeZone, id: String, path: String
    ) throws -> LocalDate {
        func problem(_ name: String, _ message: String) -> OperationError {
            let field = "\(path).\(name)"
            return
                OperationError(
                    .badInput, "request body: \(field): \(message)",
                    problems: [ScenarioProblem(file: "request body", line: nil, column: nil, field: field, message: message)])
        }
        guard order.id == id else { throw problem("id", "'\(order.id)' is not the order of the path ('\(id)')") }
        if order.pin != nil { throw problem("pinned", "a pin is a dispatcher's decision (dispatch pin), not an order system's") }
        if order.lock != nil { throw problem("locked", "a visit is locked by its pre-arrival notice, not by an order system") }
        var day: LocalDate?
        if let given {
            guard let date = LocalDate(iso: given) else { throw problem("day", "'\(given)' is not a date of the form YYYY-MM-DD") }
            day = date
        }
        if let window = order.window {
            let windowDay = zone.local(window.start).date
            if let day, day != windowDay {
                throw problem("day", "the window starts on \(windowDay), not on \(day) (an order with a window is on its window's day)")
            }
            return windowDay
        }
        guard let found = day ?? stored else { throw problem("day", "an order without a window needs its day (YYYY-MM-DD)") }
        return found
    }

    /// The fields an update changes, by the names the scenario format gives them.
    static func changedFields(from old: WorkOrder, storedDay: LocalDate, to new: WorkOrder, day: LocalDate) -> Set<String> {
        var changed: Set<String> = []
        func check<Value: Equatable>(_ name: String, _ path: KeyPath<WorkOrder, Value>) {
            if old[keyPath: path] != new[keyPath: path] { changed.insert(name) }
        }
        check("type", \.type)
        check("service", \.service)
        check("skills", \.skills)
        check("customer.id", \.customer.id)
        check("customer.name", \.customer.name)
        check("customer.tier", \.customer.tier)
        check("customer.phone", \.customer.phone)
        check("location", \.location)
        check("location.address", \.address)
        check("territory", \.territory)
        check("duration_minutes", \.durationMinutes)
        check("window", \.window)
        check("reported_at", \.reportedAt)
        check("group", \.group)
        check("notes", \.notes)
        if storedDay != day { changed.insert("day") }
        return changed
    }

    /// Refuses a change the order's state does not allow, saying why and what to do instead.
    static func allow(_ changes: Set<String>, to stored: StoredOrder, zone: ServiceTimeZone) throws {
        let id = stored.order.id
        let listed = changes.sorted().joined(separator: ", ")
        switch stored.state {
        case .completed, .cancelled, .customerAbsent, .transferred:
            throw OperationError.conflict("order \(id) is \(stored.state): it is closed, and \(listed) cannot change")
        case .notified, .enRoute, .onSite:
            let blocked = changes.subtracting(DispatchOperations.descriptiveFields)
            guard blocked.isEmpty else {
                let visit = stored.order.lock.map { " (\($0.technicianID) at \(zone.rfc3339($0.start)))" } ?? ""
                throw OperationError.conflict(
                    "order \(id) is \(stored.state): the customer has been told when the technician comes\(visit), so "
                        + "\(blocked.sorted().joined(separator: ", ")) cannot change without telling them; cancel the order "
                        + "(DELETE /v1/orders/\(id)) and send it again, or ask the dispatcher")
            }
        case .scheduled, .confirmed, .rebooking:
            let appointment = changes.intersection(["window", "day"])
            guard appointment.isEmpty else {
                throw OperationError.conflict(
                    "order \(id) is \(stored.state): its window and day are agreed with the customer or planned; a new window "
                        + "is booked through slot offers (POST /v1/orders/\(id)/slot-offers, then /booking), not by changing the order")
            }
        case .new:
            break
        }
    }

    /// Refuses the change when the client's copy is stale (412).
    static func require(_ preconditions: OrderPreconditions, stored: StoredOrder?, id: String) throws {
        if preconditions.ifNoneMatchAny, let stored {
            throw OperationError(
                .preconditionFailed, "order \(id) exists already (If-None-Match: *); its entity tag is \(stored.entityTag)")
        }
        if let tags = preconditions.ifMatch {
            guard let stored else { throw OperationError(.preconditionFailed, "order \(id) does not exist (If-Match)") }
            guard EntityTags.strongly(tags, match: stored.entityTag) else {
                throw OperationError(
                    .preconditionFailed,
                    "order \(id) changed since the copy the If-Match names (its entity tag is now \(stored.entityTag)); read it again")
            }
        }
    }

    /// A changed order with a published visit, placed again around the rest of the plan (its
    /// coordinated visit whole, in its window); the change is refused when no technician can keep it.
    func placeAgain(_ id: String, on date: LocalDate, previous: PublishedPlan, actor: String) throws -> Int {
        guard let order = try tx.order(id) else { throw OperationError.notFound("no order '\(id)'") }
        let work = try self.work(of: order)
        let members = Set(work.map(\.order.id))
        let scenario = try day(date, like: date)
        let kept = previous.visits.filter { !members.contains($0.order) }
        let (trial, _, _) = KeptDay(day: scenario, kept: kept).adding(jobs: [work.map(\.order)], now: now)
        guard members.isSubset(of: Set(trial.visits.map(\.order))) else {
            throw OperationError.conflict(
                "order \(id) as changed no longer fits its day \(date) with every other published visit kept"
                    + (order.order.window.map { " (window \(scenario.timeZone.rfc3339($0.start)))" } ?? "")
                    + "; nothing was changed: cancel it and send it again, or ask the dispatcher")
        }
        let plan = merged(trial, previous: previous, day: scenario)
        return try publish(
            plan, day: scenario, previous: previous, cause: "order \(id) changed", actor: actor,
            lostReason: "a changed order could not be placed around this visit"
        ).version
    }

    /// The order as it stands now, and where the published plan of its day puts it.
    func answer(_ id: String, created: Bool, changed: Bool, version: Int?) throws -> OrderPut {
        guard let order = try tx.order(id) else { throw OperationError.notFound("no order '\(id)'") }
        let zone = try tx.zone(of: order.serviceDay) ?? .utc
        let plan = try tx.publishedPlan(on: order.serviceDay)
        let view = OrderView(
            order: order, visit: plan?.visits.first { $0.order == id }, history: try tx.events(of: id), zone: zone)
        return OrderPut(
            view: view, created: created, changed: changed, dayPublished: plan != nil,
            unassigned: plan?.unassigned.first { $0.order == id }, version: version)
    }
}

/// One order of a bulk request: its id and its object's text.
public struct BulkOrder: Sendable {
    public var id: String
    public var body: String

    public init(id: String, body: String) {
        self.id = id
        self.body = body
    }
}

extension DispatchOperations {
    /// Orders a bulk request may hold.
    public static let bulkLimit = 1_000

    /// `putOrder` for each order, each in its own transaction (all or nothing per order, never per
    /// batch): one refused leaves the others stored. New orders of a day with a published plan are
    /// placed around it once all are stored, one plan version per day, not one per order.
    public func putOrders(_ orders: [BulkOrder], actor: String) async throws -> [Result<OrderPut, OperationError>] {
        guard orders.count <= Self.bulkLimit else {
            throw OperationError.badInput("at most \(Self.bulkLimit) orders in one request (\(orders.count) sent)")
        }
        var results: [Result<OrderPut, OperationError>] = []
        var arrivals: [LocalDate: Set<String>] = [:]
        for (index, item) in orders.enumerated() {
            do {
                let put = try await perform { context in
                    try context.putOrder(
                        id: item.id, body: item.body, preconditions: .init(), actor: actor, path: "orders[\(index)]", placeArrivals: false)
                }
                if put.changed, put.dayPublished, put.view.order.state == .new {
                    arrivals[put.view.order.serviceDay, default: []].insert(item.id)
                }
                results.append(.success(put))
            } catch let refusal as OperationError where ![.unavailable, .storage].contains(refusal.category) {
                results.append(.failure(refusal))
            }
        }
        guard !arrivals.isEmpty else { return results }
        var versions: [LocalDate: Int] = [:]
        for (day, ids) in arrivals.sorted(by: { $0.key < $1.key }) {
            versions[day] = try await perform { context in try context.placeArrivals(on: day, actor: actor, again: ids)?.version }
        }
        // Each placed order answered as it stands after its day's placement.
        let placed = results.enumerated().compactMap { index, result -> (Int, OrderPut)? in
            guard case .success(let put) = result, arrivals[put.view.order.serviceDay]?.contains(put.view.order.order.id) == true
            else { return nil }
            return (index, put)
        }
        let published = versions
        let fresh = try await read { context in
            try placed.map { index, put in
                (
                    index,
                    try context.answer(
                        put.view.order.order.id, created: put.created, changed: true, version: published[put.view.order.serviceDay])
                )
            }
        }
        for (index, put) in fresh { results[index] = .success(put) }
        return results
    }
}

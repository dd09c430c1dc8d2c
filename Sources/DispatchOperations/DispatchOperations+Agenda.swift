import DispatchStore
import SchedulingCore

/// One visit of a technician's day, with what they need at the door.
public struct AgendaVisit: Sendable, Equatable {
    public struct Partner: Sendable, Equatable {
        public var technician: String
        public var order: String
    }

    public var order: StoredOrder
    public var start: Instant
    public var end: Instant
    /// The other orders of the coordinated visit and who does them.
    public var partners: [Partner]
    /// This technician is the one the customer was told about (always, outside a group).
    public var contact: Bool
    /// The customer's phone: only on the contact's visit.
    public var customerPhone: String? { contact ? order.order.customer.phone : nil }
}

/// A technician's day in the published plan.
public struct Agenda: Sendable, Equatable {
    public var technician: String
    public var date: LocalDate
    public var zone: ServiceTimeZone
    /// The published plan version it comes from (nil: nothing published for the day).
    public var version: Int?
    public var visits: [AgendaVisit]
}

/// One event of a technician's calendar feed.
public struct CalendarEntry: Sendable, Equatable {
    public var order: StoredOrder
    public var start: Instant
    public var end: Instant
    /// Raised each time the visit moved (technician or start) or left this technician.
    public var sequence: Int
    /// The visit is no longer this technician's (moved away, rebooked or cancelled).
    public var cancelled: Bool
    public var zone: ServiceTimeZone
}

extension DispatchOperations {
    /// The technician's visits of `date` in the published plan, in order.
    /// Today where the operator works (the zone of the latest service day; UTC without one).
    public func today() async throws -> LocalDate {
        try await read { context in (try context.tx.latestZone() ?? .utc).local(context.now).date }
    }

    public func agenda(technician id: String, date: LocalDate) async throws -> Agenda {
        try await read { context in
            let (zone, version, visits) = try context.tx.publishedVisits(on: date, technician: id)
            if visits.isEmpty, try context.tx.technician(id) == nil { throw OperationError.notFound("no technician '\(id)'") }
            guard let zone else { return Agenda(technician: id, date: date, zone: .utc, version: nil, visits: []) }
            let groups = Array(Set(visits.compactMap(\.group))).sorted()
            let stored = try context.tx.orders(ids: visits.filter { $0.group == nil }.map(\.order), groups: groups)
            let orders = Dictionary(stored.map { ($0.order.id, $0) }, uniquingKeysWith: { first, _ in first })
            let memberVisits =
                groups.isEmpty
                ? []
                : try context.tx.publishedVisits(on: date, orders: stored.filter { $0.order.group != nil }.map(\.order.id))
            let items = visits.compactMap { visit -> AgendaVisit? in
                guard let order = orders[visit.order] else { return nil }
                let partners = memberVisits.filter { $0.group != nil && $0.group == visit.group && $0.order != visit.order }
                    .map { AgendaVisit.Partner(technician: $0.technician, order: $0.order) }
                // The contact of a group: the visit marked so in the plan; with one technician
                // doing every member back to back, they are the contact on each.
                let contact =
                    visit.group == nil || visit.contact
                    || memberVisits.contains { $0.group == visit.group && $0.contact && $0.technician == id }
                return AgendaVisit(order: order, start: visit.start, end: visit.end, partners: partners, contact: contact)
            }
            return Agenda(technician: id, date: date, zone: zone, version: version, visits: items)
        }
    }

    /// The technician's calendar from `first` (default: today where the operator works) for
    /// `days` days: every visit of the published plans, and, cancelled, those that were theirs
    /// in an earlier version and are not any more.
    public func calendar(technician id: String, from start: LocalDate?, days: Int) async throws -> [CalendarEntry] {
        try await read { context in
            guard try context.tx.technician(id) != nil else { throw OperationError.notFound("no technician '\(id)'") }
            let first = try start ?? (context.tx.latestZone() ?? .utc).local(context.now).date
            let last = first.adding(days: max(0, days - 1))
            let history = try context.tx.visitHistory(technician: id, from: first, to: last)
            let latest = try context.tx.publishedVersions(from: first, to: last)
            let orders = Dictionary(
                try context.tx.orders(ids: Array(Set(history.map(\.visit.order))), groups: []).map { ($0.order.id, $0) },
                uniquingKeysWith: { first, _ in first })
            var zones: [LocalDate: ServiceTimeZone] = [:]
            var entries: [CalendarEntry] = []
            for (order, appearances) in Dictionary(grouping: history, by: \.visit.order) {
                guard let stored = orders[order] else { continue }
                let ordered = appearances.sorted { ($0.day, $0.version) < ($1.day, $1.version) }
                var sequence = 0
                for (previous, next) in zip(ordered, ordered.dropFirst())
                where previous.visit.technician != next.visit.technician || previous.visit.start != next.visit.start {
                    sequence += 1
                }
                let current = ordered.last { latest[$0.day] == $0.version }
                let mine = ordered.last { $0.visit.technician == id }
                guard let shown = (current?.visit.technician == id ? current : nil) ?? mine else { continue }
                let closed = stored.state == .cancelled || stored.state == .rebooking
                let cancelled = current?.visit.technician != id || closed
                let day = shown.day
                if zones[day] == nil { zones[day] = try context.tx.zone(of: day) ?? .utc }
                entries.append(
                    CalendarEntry(
                        order: stored, start: shown.visit.start, end: shown.visit.end,
                        sequence: sequence + (cancelled ? 1 : 0), cancelled: cancelled, zone: zones[day] ?? .utc))
            }
            return entries.sorted { ($0.start, $0.order.order.id) < ($1.start, $1.order.order.id) }
        }
    }

    /// The technician's own order, for a status report: nil (not found) when the order does not
    /// exist or is not theirs in the published plan of its day, so a technician cannot probe
    /// others' orders.
    public func ownOrder(_ id: String, technician: String) async throws -> StoredOrder? {
        try await read { context in
            guard let order = try context.tx.order(id) else { return nil }
            let visits = try context.tx.publishedVisits(on: order.serviceDay, orders: [id])
            let assigned = visits.contains { $0.technician == technician } || order.order.lock?.technicianID == technician
            return assigned ? order : nil
        }
    }
}

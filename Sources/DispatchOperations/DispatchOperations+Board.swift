import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

/// The published plan of a day as the dispatcher's board shows it.
public struct Board: Sendable {
    public struct Visit: Sendable {
        public var order: StoredOrder
        public var start: Instant
        public var end: Instant
        public var contact: Bool
        /// A repair planned past its deadline, or an arrival past its window.
        public var late: Bool
        /// Within 15 minutes of the window's end, or 30 of a repair's deadline.
        public var atRisk: Bool
        /// The pre-arrival notice went out: same technician, same start.
        public var locked: Bool
        /// Driving from the previous place (the start location for the first visit).
        public var travelMinutes: Int
    }

    public struct Row: Sendable {
        public var technician: Technician
        /// The contractor crew, nil in-house.
        public var crew: String?
        public var visits: [Visit]
        public var depart: Instant?
        public var returnAt: Instant?
        public var breakStart: Instant?
        public var travelMinutes: Int
        /// Driving from the last visit to the end location.
        public var returnTravelMinutes: Int
        public var workMinutes: Int
        public var shiftMinutes: Int
        public var idleMinutes: Int { max(0, shiftMinutes - workMinutes - travelMinutes - (breakStart == nil ? 0 : breakMinutes)) }
        public var loadPercent: Int { shiftMinutes > 0 ? (workMinutes + travelMinutes) * 100 / shiftMinutes : 0 }
        public var breakMinutes: Int
        /// Why a technician without visits could take none of the day's orders (absent,
        /// certificate or contract ended, no matching skill or territory); nil when they have
        /// visits, or when some order was open to them.
        public var idleReason: String?
    }

    public struct Waiting: Sendable {
        public var order: StoredOrder
        /// The unassigned code, or `rebooking`.
        public var code: String
        public var reason: String
    }

    public var date: LocalDate
    public var zone: ServiceTimeZone
    public var version: Int?
    public var rows: [Row]
    public var unassigned: [Waiting]
    public var rebooking: [Waiting]
    public var kpis: PlanKPIs?
    /// Late repairs as the orders list counts them (`OperationContext.isLateRepair`): open
    /// repairs whose published start, or the present, is past the deadline.
    public var lateRepairs: Int
    /// The day's currency, for the contractors' cost.
    public var currency: String
    /// The customer tiers the day's policy treats as VIP (marked on the chart).
    public var vipTiers: Set<CustomerTier> = Policy.defaultVIPTiers
}

extension DispatchOperations {
    /// The day's published plan, technician by technician, with what waits.
    public func board(_ date: LocalDate) async throws -> Board {
        try await read { context in
            guard let day = try context.tx.scenario(on: date) else { throw OperationError.notFound("no service day \(date)") }
            let published = try context.tx.publishedPlan(on: date)
            let plan = try context.previousPlan(published, day: day)
            let stored = Dictionary(try context.tx.orders(on: date).map { ($0.order.id, $0) }, uniquingKeysWith: { first, _ in first })
            let zone = day.timeZone
            let routes = Dictionary((plan?.routes ?? []).map { ($0.technician, $0) }, uniquingKeysWith: { first, _ in first })
            let visits = Dictionary(grouping: published?.visits ?? [], by: \.technician)
            let breakMinutes = day.policy.breakRule?.minutes ?? 0
            // The customer is promised an arrival: a group's is its earliest start (H2).
            var arrival: [String: Instant] = [:]
            for visit in published?.visits ?? [] {
                guard let group = visit.group else { continue }
                arrival[group] = min(arrival[group] ?? visit.start, visit.start)
            }
            let open = day.orders.filter { stored[$0.id].map { !OrderWorkflow.closed.contains($0.state) } ?? true }
            let crews = day.crewsByID
            let rows = day.technicians.sorted { naturallyBefore($0.id, $1.id) }.map { technician -> Board.Row in
                let shift = zone.instant(on: date, at: technician.shift.start).minutes(
                    until: zone.instant(on: date, at: technician.shift.end))
                var place = technician.startLocation
                var leaves = routes[technician.id]?.depart
                let mine = (visits[technician.id] ?? []).compactMap { visit -> Board.Visit? in
                    guard let order = stored[visit.order] ?? (try? context.tx.order(visit.order)) ?? nil else { return nil }
                    let deadline = context.deadline(of: order, policy: day.policy)
                    let windowEnd = order.order.window?.end
                    let arrives = visit.group.flatMap { arrival[$0] } ?? visit.start
                    let late = (deadline.map { visit.start > $0 } ?? false) || (windowEnd.map { arrives > $0 } ?? false)
                    let atRisk =
                        !late
                        && ((windowEnd.map { arrives.adding(minutes: 15) > $0 } ?? false)
                            || (deadline.map { visit.start.adding(minutes: 30) > $0 } ?? false))
                    let travel = day.drive(from: place, to: order.order.location, leaving: leaves ?? visit.start)
                    place = order.order.location
                    leaves = visit.end
                    return Board.Visit(
                        order: order, start: visit.start, end: visit.end, contact: visit.contact, late: late, atRisk: atRisk,
                        locked: order.order.lock != nil || order.state == .notified, travelMinutes: travel)
                }
                let route = routes[technician.id]
                return Board.Row(
                    technician: technician, crew: technician.crewID, visits: mine, depart: route?.depart, returnAt: route?.returnAt,
                    breakStart: route?.breakStart, travelMinutes: route?.travelMinutes ?? 0,
                    returnTravelMinutes: mine.isEmpty
                        ? 0 : day.drive(from: place, to: technician.endLocation, leaving: leaves ?? day.wholeDay.start),
                    workMinutes: mine.reduce(0) { $0 + $1.order.order.durationMinutes }, shiftMinutes: shift, breakMinutes: breakMinutes,
                    idleReason: mine.isEmpty ? day.idleReason(of: technician, orders: open, crews: crews) : nil)
            }
            let unassigned = (plan?.unassigned ?? []).compactMap { item -> Board.Waiting? in
                guard let order = stored[item.order], order.state == .new || order.state == .scheduled else { return nil }
                return Board.Waiting(order: order, code: item.code.rawValue, reason: item.reason)
            }
            let rebooking = try stored.values.filter { $0.state == .rebooking }.sorted { $0.order.id < $1.order.id }.map { order in
                let last = try context.tx.events(of: order.order.id).last { $0.to == .rebooking }
                let side = last?.side.map { " (\($0.rawValue) side)" } ?? ""
                return Board.Waiting(order: order, code: "rebooking", reason: (last?.reason ?? "to be rebooked") + side)
            }
            let visitOf = Dictionary((published?.visits ?? []).map { ($0.order, $0) }, uniquingKeysWith: { first, _ in first })
            let late = stored.values.filter { order in
                context.isLateRepair(
                    order, visit: visitOf[order.order.id],
                    deadline: context.deadline(of: order, policy: day.policy))
            }.count
            return Board(
                date: date, zone: zone, version: published?.version, rows: rows, unassigned: unassigned,
                rebooking: rebooking, kpis: plan?.kpis, lateRepairs: late, currency: day.policy.currency, vipTiers: day.policy.vipTiers)
        }
    }
}

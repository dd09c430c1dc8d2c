/// Why an order is not in the plan (docs/formats.md).
public enum UnassignedCode: String, CaseIterable, Hashable, Sendable {
    case noQualifiedTechnician = "no_qualified_technician"
    case windowUnreachable = "window_unreachable"
    case noticeTooShort = "notice_too_short"
    case crewQuota = "crew_quota"
    case groupIncomplete = "group_incomplete"
    case displaced
}

/// One planned visit.
public struct PlannedVisit: Hashable, Sendable {
    public var order: String
    public var technician: String
    public var start: Instant
    public var end: Instant
    public var noticeAt: Instant
    public var group: String?
    public var contact: Bool

    public init(order: String, technician: String, start: Instant, end: Instant, noticeAt: Instant, group: String?, contact: Bool) {
        self.order = order
        self.technician = technician
        self.start = start
        self.end = end
        self.noticeAt = noticeAt
        self.group = group
        self.contact = contact
    }
}

/// One technician's day in the plan.
public struct PlannedRoute: Hashable, Sendable {
    public var technician: String
    public var depart: Instant
    public var returnAt: Instant
    public var orders: [String]
    public var breakStart: Instant?
    public var travelMinutes: Int

    public init(technician: String, depart: Instant, returnAt: Instant, orders: [String], breakStart: Instant?, travelMinutes: Int) {
        self.technician = technician
        self.depart = depart
        self.returnAt = returnAt
        self.orders = orders
        self.breakStart = breakStart
        self.travelMinutes = travelMinutes
    }
}

public struct UnassignedOrder: Hashable, Sendable {
    public var order: String
    public var code: UnassignedCode
    /// A sentence a dispatcher can act on.
    public var reason: String

    public init(order: String, code: UnassignedCode, reason: String) {
        self.order = order
        self.code = code
        self.reason = reason
    }
}

public struct PlanKPIs: Hashable, Sendable {
    public var orders: Int
    public var assigned: Int
    public var travelMinutes: Int
    public var outsourcedOrders: Int
    public var outsourcedCost: Money
    public var lateRepairs: Int

    public init(orders: Int, assigned: Int, travelMinutes: Int, outsourcedOrders: Int, outsourcedCost: Money, lateRepairs: Int) {
        self.orders = orders
        self.assigned = assigned
        self.travelMinutes = travelMinutes
        self.outsourcedOrders = outsourcedOrders
        self.outsourcedCost = outsourcedCost
        self.lateRepairs = lateRepairs
    }
}

/// The plan of one service day (docs/formats.md).
public struct Plan: Hashable, Sendable {
    public var scenario: String
    public var date: LocalDate
    public var visits: [PlannedVisit]
    public var routes: [PlannedRoute]
    public var unassigned: [UnassignedOrder]
    public var kpis: PlanKPIs
    /// Problems in the input that no plan can fix, e.g. a locked visit that cannot be kept.
    public var warnings: [String]

    public init(
        scenario: String, date: LocalDate, visits: [PlannedVisit], routes: [PlannedRoute],
        unassigned: [UnassignedOrder], kpis: PlanKPIs, warnings: [String] = []
    ) {
        self.scenario = scenario
        self.date = date
        self.visits = visits
        self.routes = routes
        self.unassigned = unassigned
        self.kpis = kpis
        self.warnings = warnings
    }
}

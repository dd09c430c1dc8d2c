import DispatchStore
import Foundation
import SchedulingCore

/// How a simulated day goes (docs/simulate.md): random variation around the plan and the rates of
/// the day's events, or a script of exact events.
public struct SimulationOptions: Sendable {
    public var seed: UInt64 = 1
    public var runs = 1
    /// Each leg's real travel is the planned travel times a log-normal factor of median 1 and this
    /// spread (σ of its logarithm); each visit's real work likewise.
    public var travelSpread = 0.25
    public var durationSpread = 0.2
    /// Share of visits whose customer is not at home.
    public var customerAbsentShare = 0.03
    /// Chance that one technician falls ill during the day (at a uniform time between 09:00 and 15:00).
    public var sickChance = 0.5
    /// Urgent repairs arriving per hour of the working day, and cancellations and dispatcher moves per hour.
    public var urgentPerHour = 0.3
    public var cancellationsPerHour = 0.3
    public var movesPerHour = 0.3
    /// Exact events instead of random ones (`--events FILE`); the variation of travel and work stays.
    public var script: [ScriptedEvent]?

    public init() {}
}

/// One scripted event of `dispatch simulate --events FILE` (a JSON array of these).
public struct ScriptedEvent: Codable, Sendable, Hashable {
    /// `sick` (technician), `urgent` (a repair arriving: order id to give it, next to `near` order),
    /// `cancel` (order), `absent` (order: the customer will not be at home), `delay` (order, minutes),
    /// `move` (order to technician).
    public var kind: String
    /// When, RFC 3339 with an offset.
    public var at: String
    public var order: String?
    public var technician: String?
    public var minutes: Int?
    public var near: String?

    public init(kind: String, at: String, order: String? = nil, technician: String? = nil, minutes: Int? = nil, near: String? = nil) {
        self.kind = kind
        self.at = at
        self.order = order
        self.technician = technician
        self.minutes = minutes
        self.near = near
    }

    public static let kinds = ["sick", "urgent", "cancel", "absent", "delay", "move"]

    /// What each kind needs besides `at`.
    static let needs: [String: [String]] = [
        "sick": ["technician"], "urgent": ["order", "near"], "cancel": ["order"], "absent": ["order"], "delay": ["order", "minutes"],
        "move": ["order", "technician"],
    ]

    /// Why each event cannot happen on `day` (none when all can): a kind it does not know, a time
    /// that is not on the day in its zone, a field the kind needs missing, an order or technician
    /// the day does not have (an urgent order's id must be new), minutes out of 1–720.
    public static func problems(_ events: [ScriptedEvent], on day: Scenario) -> [String] {
        let orders = Set(day.orders.map(\.id))
        let technicians = Set(day.technicians.map(\.id))
        var problems: [String] = []
        for (index, event) in events.enumerated() {
            let name = "event \(index) (\(event.kind.prefix(20)))"
            guard kinds.contains(event.kind) else {
                problems.append("\(name): the kind is not one of \(kinds.joined(separator: ", "))")
                continue
            }
            if let at = parseRFC3339(event.at) {
                let local = day.timeZone.local(at).date
                if local != day.date { problems.append("\(name): at \(event.at.prefix(40)) is on \(local), not on \(day.date)") }
            } else {
                problems.append("\(name): at '\(event.at.prefix(40))' is not an RFC 3339 time with an offset")
            }
            let given: [String: Bool] = [
                "order": event.order != nil, "technician": event.technician != nil, "minutes": event.minutes != nil,
                "near": event.near != nil,
            ]
            let missing = needs[event.kind, default: []].filter { given[$0] != true }
            if !missing.isEmpty { problems.append("\(name): needs \(missing.joined(separator: " and "))") }
            if let order = event.order {
                if event.kind == "urgent" {
                    if orders.contains(order) {
                        problems.append("\(name): order \(order.prefix(64)) is already on the day (an urgent order is new)")
                    }
                } else if !orders.contains(order) {
                    problems.append("\(name): no order \(order.prefix(64)) on \(day.date)")
                }
            }
            if let near = event.near, !orders.contains(near) {
                problems.append("\(name): no order \(near.prefix(64)) (near) on \(day.date)")
            }
            if let technician = event.technician, !technicians.contains(technician) {
                problems.append("\(name): no technician \(technician.prefix(64)) on \(day.date)")
            }
            if let minutes = event.minutes, !(1...720).contains(minutes) {
                problems.append("\(name): minutes \(minutes) is not from 1 to 720")
            }
        }
        return problems
    }
}

/// What a simulation found: events by kind, every broken promise, and the day's figures.
public struct SimulationReport: Sendable {
    public struct Violation: Sendable, Hashable {
        public var run: Int
        public var at: Instant
        public var rule: String
        public var order: String?
        public var detail: String
    }

    public var runs: Int
    public var events: [String: Int] = [:]
    public var violations: [Violation] = []
    /// Arrivals within 15 minutes of the start last announced to the customer, of all arrivals.
    public var onTime = 0
    public var arrivals = 0
    public var completed = 0
    /// Orders sent to rebooking, by the reason recorded.
    public var rebookings: [String: Int] = [:]
    /// Wall-clock milliseconds the application layer took per event kind.
    public var latencies: [String: [Double]] = [:]
    /// Per visit of the published plan: runs in which it was done on time.
    public var visitsOnTime: [String: Int] = [:]
    public var visitsSeen: [String: Int] = [:]
    /// Per technician: runs in which at least one of their arrivals was late.
    public var techniciansLate: [String: Int] = [:]
    /// What the operation refused (a dispatcher's move that breaks a rule, …): the first twenty.
    public var refusals: [String] = []

    public init(runs: Int) { self.runs = runs }
}

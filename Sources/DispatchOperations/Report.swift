import DispatchStore
import SchedulingCore

/// The measures the operator watches (Art. 55, 86–89) over a range of service days.
///
/// Every figure is a ratio with its numerator and denominator, so a reader can check it and a
/// script can add figures up. The definitions are in `docs/report.md`; in short, an order
/// counts on its current service day, an arrival is its first `on_site` transition and a
/// completion its first `completed` one, and the technician of an order is the one of the
/// day's latest published plan.
public struct Report: Sendable {
    public var from: LocalDate
    public var to: LocalDate
    public var grouping: ReportGrouping?
    /// "all" first, then the groups: with no grouping, broadband against phone and VIP
    /// against ordinary (Art. 89).
    public var columns: [String]
    public var figures: [ReportMeasure: [String: ReportFigure]]
    public var contractors: [ContractorFigure]
    public var orders: Int
    public var days: Int

    public func figure(_ measure: ReportMeasure, _ column: String = "all") -> ReportFigure? { figures[measure]?[column] }
}

/// How the report splits its figures into columns.
public enum ReportGrouping: String, CaseIterable, Sendable {
    case service, tier, territory, crew, day
}

/// A ratio: `numerator / denominator`, nil when nothing was counted.
public struct ReportFigure: Sendable, Equatable {
    public var numerator: Double
    public var denominator: Int

    public init(numerator: Double, denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    public var value: Double? { denominator > 0 ? numerator / Double(denominator) : nil }
}

/// The completed orders of one contractor crew and what they cost under its contract.
public struct ContractorFigure: Sendable, Equatable {
    public var crew: String
    public var name: String?
    public var completed: Int
    public var cost: Money
    /// The currency of the days the work was done on (a crew working days of two currencies
    /// has a figure for each).
    public var currency: String

    public init(crew: String, name: String?, completed: Int, cost: Money, currency: String = Policy.defaultCurrency) {
        self.crew = crew
        self.name = name
        self.completed = completed
        self.cost = cost
        self.currency = currency
    }
}

public enum ReportMeasure: String, CaseIterable, Sendable {
    case onTimeArrival = "on_time_arrival"
    case coordinatedVisits = "coordinated_visits"
    case noticeSent = "notice_sent"
    case repairsWithinDeadline = "repairs_within_deadline"
    case companyRebooking = "company_caused_rebooking"
    case callbackCoverage = "callback_coverage"
    case callbackTimeliness = "callback_timeliness"
    case callbacksSameDay = "callbacks_same_day"
    case satisfaction
    case repeatFaults = "repeat_faults_30_days"
    case travelPerVisit = "travel_minutes_per_visit"
    case utilisation
    case contractorShare = "contractor_share"

    /// False for the one figure that is an average in minutes, not a share.
    public var isRate: Bool { self != .travelPerVisit }

    public var label: String {
        switch self {
        case .onTimeArrival: "On-time arrival"
        case .coordinatedVisits: "Coordinated visits"
        case .noticeSent: "Pre-arrival notice sent"
        case .repairsWithinDeadline: "Repairs within deadline"
        case .companyRebooking: "Company-caused rebooking"
        case .callbackCoverage: "Callback coverage"
        case .callbackTimeliness: "Callbacks in time"
        case .callbacksSameDay: "Callbacks the same day"
        case .satisfaction: "Satisfaction"
        case .repeatFaults: "Repeat faults (30 days)"
        case .travelPerVisit: "Travel per visit (min)"
        case .utilisation: "Utilisation"
        case .contractorShare: "Contractor share"
        }
    }
}

/// What the report is computed from: the orders of the range and their trail, and each day's
/// stored scenario and latest published plan.
struct ReportFacts {
    struct Day {
        var scenario: Scenario
        var plan: Plan?
    }

    var from: LocalDate
    var to: LocalDate
    /// Orders of `from − 30 days ... to` (the earlier ones only for repeat faults).
    var orders: [StoredOrder]
    var events: [String: [OrderEvent]]
    var notices: [String: [StoredNotice]]
    var callbacks: [String: [CallbackTask]]
    var days: [LocalDate: Day]
}

extension Report {
    static let allColumn = "all"
    static let repeatWindowSeconds = 30 * 86_400
    /// Several technicians' arrivals this close count as starting together.
    static let arrivalsTogetherMinutes = 10

    // The computation reads as the definitions in docs/report.md, one measure after the other.
    // swiftlint:disable:next function_body_length cyclomatic_complexity
    init(_ facts: ReportFacts, grouping: ReportGrouping?) {
        var tally = Tally()
        let inRange = facts.orders.filter { $0.serviceDay >= facts.from && $0.serviceDay <= facts.to }
        var visitOf: [String: PlannedVisit] = [:]
        var technicianOf: [String: Technician] = [:]
        for (_, day) in facts.days {
            let technicians = Dictionary(day.scenario.technicians.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            for visit in day.plan?.visits ?? [] {
                visitOf[visit.order] = visit
                technicianOf[visit.order] = technicians[visit.technician]
            }
        }
        func crewKey(_ technician: Technician?) -> String { technician.map { $0.crewID ?? "in-house" } ?? "unassigned" }
        func first(_ order: String, _ state: OrderState) -> Instant? {
            facts.events[order]?.first { $0.to == state }?.at
        }
        let policyOf = { (order: StoredOrder) in facts.days[order.serviceDay]?.scenario.policy ?? Policy() }
        func columns(of order: StoredOrder) -> [String] {
            let key: String
            switch grouping {
            case nil:
                let vip = policyOf(order).vipTiers.contains(order.order.customer.tier)
                return [Self.allColumn, order.order.service.rawValue, vip ? "VIP" : "ordinary"]
            case .service: key = order.order.service.rawValue
            case .tier: key = order.order.customer.tier.rawValue
            case .territory: key = order.order.territory ?? "none"
            case .crew: key = crewKey(technicianOf[order.order.id])
            case .day: key = order.serviceDay.description
            }
            return [Self.allColumn, key]
        }
        let members = Dictionary(grouping: inRange.filter { $0.order.group != nil }, by: { $0.order.group ?? "" })
        // Completed repairs per customer (the 30 days before the range too), for repeat faults.
        var repairsDone: [String: [(order: String, done: Int)]] = [:]
        for order in facts.orders where order.order.type == .repair {
            guard let done = first(order.order.id, .completed) else { continue }
            repairsDone[order.order.customer.id, default: []].append((order.order.id, done.secondsSinceEpoch))
        }

        for order in inRange {
            let id = order.order.id
            let into = columns(of: order)
            let arrival = first(id, .onSite)
            let completion = first(id, .completed)

            if let window = order.order.window, let arrival {
                tally.count(.onTimeArrival, into, hit: arrival <= window.end)
            }
            if let group = order.order.group, arrival != nil {
                let parts = members[group] ?? []
                let arrivals = parts.compactMap { first($0.order.id, .onSite) }
                let technicians = Set(parts.compactMap { visitOf[$0.order.id]?.technician })
                let tolerance = max(policyOf(order).syncToleranceMinutes, Self.arrivalsTogetherMinutes) * 60
                let spread = (arrivals.max()?.secondsSinceEpoch ?? 0) - (arrivals.min()?.secondsSinceEpoch ?? 0)
                let together = arrivals.count == parts.count && (technicians.count <= 1 || spread <= tolerance)
                tally.count(.coordinatedVisits, into, hit: together)
            }
            if let arrival {
                // The customer is told once per visit: for a group, by its contact's notice.
                let visitArrival =
                    order.order.group.flatMap { group in
                        (members[group] ?? []).compactMap { first($0.order.id, .onSite) }.min()
                    } ?? arrival
                let speakers = order.order.group.map { group in (members[group] ?? []).map(\.order.id) } ?? [id]
                let told = speakers.contains { speaker in
                    (facts.notices[speaker] ?? []).contains { notice in
                        notice.draft.kind == .preArrival && notice.sentAt.map { $0 <= visitArrival } == true
                    }
                }
                tally.count(.noticeSent, into, hit: told)
            }
            if order.order.type == .repair, let completion, let deadline = policyOf(order).repairDeadline(of: order.order) {
                tally.count(.repairsWithinDeadline, into, hit: completion <= deadline)
            }
            if first(id, .scheduled) != nil {
                let company = (facts.events[id] ?? []).contains { $0.to == .rebooking && $0.side == .company }
                tally.count(.companyRebooking, into, hit: company)
            }
            let tasks = facts.callbacks[id] ?? []
            if completion != nil, [.install, .move, .repair].contains(order.order.type) {
                let task = tasks.first { $0.cause == .completion }
                let answered = task?.answeredAt
                tally.count(.callbackCoverage, into, hit: answered != nil)
                tally.count(
                    .callbackTimeliness, into,
                    hit: task.flatMap { task in answered.map { $0 <= task.createdAt.adding(minutes: 3 * 1440) } } ?? false)
                tally.count(.callbacksSameDay, into, hit: task.flatMap { task in answered.map { $0 <= task.dueAt } } ?? false)
            }
            for task in tasks where task.cause == .complaint {
                tally.count(.callbackCoverage, into, hit: task.answeredAt != nil)
                tally.count(.callbackTimeliness, into, hit: task.answeredAt.map { $0 <= task.dueAt } ?? false)
            }
            for task in tasks {
                guard let answer = task.answer else { continue }
                tally.count(.satisfaction, into, hit: answer != .dissatisfied)
            }
            if order.order.type == .repair, let reported = order.order.reportedAt {
                let reportedAt = reported.secondsSinceEpoch - order.deadlinePausedSeconds
                let repeated = (repairsDone[order.order.customer.id] ?? []).contains { earlier in
                    earlier.order != id && earlier.done <= reportedAt && reportedAt - earlier.done <= Self.repeatWindowSeconds
                }
                tally.count(.repeatFaults, into, hit: repeated)
            }
            if completion != nil {
                tally.count(.contractorShare, into, hit: technicianOf[id]?.crewID != nil)
            }
        }

        // Travel, shared out over each route's visits, and utilisation per technician.
        let ordersByID = Dictionary(inRange.map { ($0.order.id, $0) }, uniquingKeysWith: { first, _ in first })
        for date in facts.days.keys.sorted() {
            guard let day = facts.days[date], date >= facts.from, date <= facts.to else { continue }
            let routes = Dictionary((day.plan?.routes ?? []).map { ($0.technician, $0) }, uniquingKeysWith: { first, _ in first })
            for route in routes.values where !route.orders.isEmpty {
                let share = Double(route.travelMinutes) / Double(route.orders.count)
                for id in route.orders {
                    guard let order = ordersByID[id] else { continue }
                    tally.add(.travelPerVisit, columns(of: order), numerator: share, denominator: 1)
                }
            }
            for technician in day.scenario.technicians where !technician.absent {
                let into: [String]
                switch grouping {
                case .crew: into = [Self.allColumn, crewKey(technician)]
                case .day: into = [Self.allColumn, date.description]
                default: into = [Self.allColumn]
                }
                let shift = day.scenario.timeZone.instant(on: date, at: technician.shift.start)
                    .minutes(until: day.scenario.timeZone.instant(on: date, at: technician.shift.end))
                let route = routes[technician.id]
                let work = (route?.orders ?? []).reduce(0) { $0 + (ordersByID[$1]?.order.durationMinutes ?? 0) }
                tally.add(.utilisation, into, numerator: Double(work + (route?.travelMinutes ?? 0)), denominator: shift)
            }
        }

        // What each contractor's completed work costs under its contract.
        var contractors: [[String]: ContractorFigure] = [:]
        for order in inRange where first(order.order.id, .completed) != nil {
            guard let technician = technicianOf[order.order.id], let crewID = technician.crewID else { continue }
            let crew = facts.days[order.serviceDay]?.scenario.crews.first { $0.id == crewID }
            let currency = policyOf(order).currency
            var figure =
                contractors[[crewID, currency]]
                ?? ContractorFigure(crew: crewID, name: crew?.name, completed: 0, cost: .zero, currency: currency)
            figure.completed += 1
            figure.cost = figure.cost + (crew?.contract?.prices[order.order.type] ?? .zero)
            contractors[[crewID, currency]] = figure
        }

        self.from = facts.from
        self.to = facts.to
        self.grouping = grouping
        self.columns = Self.columns(tally.columns, grouping: grouping)
        self.figures = tally.figures
        self.contractors = contractors.values.sorted { ($0.crew, $0.currency) < ($1.crew, $1.currency) }
        self.orders = inRange.count
        self.days = facts.days.keys.filter { $0 >= facts.from && $0 <= facts.to }.count
    }

    /// "all" first; without a grouping broadband, phone (then other services), VIP, ordinary;
    /// otherwise the groups in order.
    static func columns(_ seen: Set<String>, grouping: ReportGrouping?) -> [String] {
        let others = seen.subtracting([allColumn]).sorted()
        guard grouping == nil else { return [allColumn] + others }
        let fixed = ["broadband", "phone", "VIP", "ordinary"]
        return [allColumn, "broadband", "phone"] + others.filter { !fixed.contains($0) } + ["VIP", "ordinary"]
    }
}

/// Numerators and denominators per measure and column while the report is counted.
private struct Tally {
    var figures: [ReportMeasure: [String: ReportFigure]] = [:]
    var columns: Set<String> = [Report.allColumn]

    mutating func count(_ measure: ReportMeasure, _ into: [String], hit: Bool) {
        add(measure, into, numerator: hit ? 1 : 0, denominator: 1)
    }

    mutating func add(_ measure: ReportMeasure, _ into: [String], numerator: Double, denominator: Int) {
        for column in into {
            columns.insert(column)
            var figure = figures[measure, default: [:]][column] ?? ReportFigure(numerator: 0, denominator: 0)
            figure.numerator += numerator
            figure.denominator += denominator
            figures[measure, default: [:]][column] = figure
        }
    }
}

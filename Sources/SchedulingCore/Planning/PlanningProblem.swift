/// What the solver sees: dense integer data, indices instead of ids, a travel matrix.
///
/// A scenario day becomes one with minutes after the service day's local midnight as its time
/// unit (`init(_ scenario:)`); a public benchmark instance becomes one with its own scaled unit
/// (`Benchmarks`). Built once and never changed while solving.
public struct PlanningProblem: Sendable {
    /// One order as the solver sees it.
    public struct Order: Sendable {
        public let location: Int
        public let duration: Int
        /// Earliest and latest start (window, shift-independent), after the notice rule.
        public let earliest: Int
        public let latest: Int
        /// Value of serving it (DOMAIN soft rule 1).
        public let weight: Int
        /// Index into `groups`, or -1.
        public let group: Int
        /// Technicians allowed to take it, ascending.
        public let eligible: [Int]
        /// Locked technician and start, or pinned technician (and start); fixed start is -1 when free.
        public let fixedTechnician: Int
        public let fixedStart: Int
        public let locked: Bool
        /// Minute by which a repair should start to meet its deadline, or Int.max.
        public let deadline: Int
        /// Work type (for contractor prices), load it takes from a vehicle's capacity, and
        /// whether the customer gave a window.
        public var type: WorkType = .install
        public var demand: Int = 0
        public var hasWindow: Bool = true
        /// Technician and start of the published visit a re-plan should keep, or -1 (stability).
        public var preferredTechnician: Int = -1
        public var preferredStart: Int = 0
    }

    public struct Technician: Sendable {
        public let startLocation: Int
        public let endLocation: Int
        public let shiftStart: Int
        public let shiftEnd: Int
        /// Index into `crews`, or -1 for in-house staff.
        public let crew: Int
        /// Price in cents of each order type for this technician's crew (0 in-house).
        public let priceCents: [WorkType: Int]
        /// The break's allowed start range and length, when this shift must contain one.
        public let breakEarliest: Int
        public let breakLatest: Int
        public let breakMinutes: Int
        public var hasBreak: Bool { breakMinutes > 0 }
        /// Load the vehicle can carry, and the objective points of using it at all.
        public var capacity: Int = .max
        public var fixedCost: Int = 0
    }

    /// The scenario this problem was made from (nil for a benchmark instance).
    public let scenario: Scenario?
    /// Identifier of each order, for messages.
    public let orderIDs: [String]
    /// The instant time 0 stands for: local midnight starting the service day.
    public let origin: Instant
    public let orders: [Order]
    public let technicians: [Technician]
    /// Member order indices of each coordinated group, in file order.
    public let groups: [[Int]]
    /// Groups whose members must go to different technicians starting together (never one
    /// technician back to back).
    public var separateGroups: Set<Int> = []
    /// Groups whose customer visit has begun: a member is locked to start at or before `now`, or
    /// members are locked on different technicians at different starts (a late half moved after
    /// the half already there). The members still to come can no longer start with the arrival,
    /// so each technician's share is placed on its own, back to back from its lock, and the
    /// members not yet fixed together on other technicians (`Job`); the checker's H5 agrees.
    public var arrivedGroups: Set<Int> = []
    /// Daily quota of each contractor crew (Int.max when none).
    public let crewQuota: [Int]
    public let crewIDs: [String]
    public let locationCount: Int
    /// travel[a * locationCount + b] in the time unit (whole minutes for a scenario).
    public let travel: [Int32]
    /// First time any unlocked visit may start: now + notice.
    public let noticeEarliest: Int
    /// For each technician, the first technician with the same start, end, shift, break, capacity,
    /// vehicle cost and crew: their empty days take any order the same way.
    public let twinOf: [Int]
    /// Time units in one minute-like unit: a scenario counts whole minutes (1); a benchmark
    /// thousandths of a distance unit (1000, with `costs.travelUnit` 1), so search parameters
    /// mean the same in both.
    public var unitsPerMinute = 1
    /// The objective's weights (travel, in-house time, contractor prices, lateness, stability).
    public var costs = CostEvaluator()

    /// Travel by time of day (the scenario's day parts on the problem's minutes); flat without.
    public var traffic = TrafficProfile.flat

    /// The base travel time (no time of day): for estimates that need no exact clock.
    @inline(__always)
    public func travel(_ from: Int, _ to: Int) -> Int { Int(travel[from &* locationCount &+ to]) }

    /// Arrival at `to` leaving `from` at `leaving` (FIFO: never earlier for a later departure).
    @inline(__always)
    public func arrival(_ from: Int, _ to: Int, leaving: Int) -> Int {
        traffic.isFlat ? leaving + travel(from, to) : traffic.arrival(leaving: leaving, base: travel(from, to))
    }

    /// The latest departure from `from` that reaches `to` by `arriving`.
    @inline(__always)
    public func departure(_ from: Int, _ to: Int, arriving: Int) -> Int {
        traffic.isFlat ? arriving - travel(from, to) : traffic.departure(arriving: arriving, base: travel(from, to))
    }

    /// The drive from `from` to `to` leaving at `leaving`.
    @inline(__always)
    public func drive(_ from: Int, _ to: Int, leaving: Int) -> Int { arrival(from, to, leaving: leaving) - leaving }

    /// Minutes after `origin`, rounded down.
    public func minute(_ instant: Instant) -> Int { origin.minutes(until: instant) }
    public func instant(_ minute: Int) -> Instant { origin.adding(minutes: minute) }

    /// A problem given directly (a public benchmark's instance, `BenchmarkFormats`); `scenario`
    /// nil for one that is no day of ours.
    public init(
        scenario: Scenario?, orderIDs: [String], origin: Instant, orders: [Order], technicians: [Technician],
        groups: [[Int]], crewQuota: [Int], crewIDs: [String], locationCount: Int, travel: [Int32], noticeEarliest: Int
    ) {
        self.scenario = scenario
        self.orderIDs = orderIDs
        self.origin = origin
        self.orders = orders
        self.technicians = technicians
        self.groups = groups
        self.crewQuota = crewQuota
        self.crewIDs = crewIDs
        self.locationCount = locationCount
        self.travel = travel
        self.noticeEarliest = noticeEarliest
        twinOf = technicians.indices.map { index in
            let tech = technicians[index]
            return technicians.indices.first { other in
                let twin = technicians[other]
                return (twin.startLocation, twin.endLocation, twin.shiftStart, twin.shiftEnd, twin.crew)
                    == (tech.startLocation, tech.endLocation, tech.shiftStart, tech.shiftEnd, tech.crew)
                    && (twin.breakEarliest, twin.breakLatest, twin.breakMinutes, twin.capacity, twin.fixedCost)
                        == (tech.breakEarliest, tech.breakLatest, tech.breakMinutes, tech.capacity, tech.fixedCost)
                    && twin.priceCents == tech.priceCents
            }!
        }
    }

    /// `arrivalsAsOf` is the time a group's locked start must have come for the group to count as
    /// arrived (the scenario's `now` unless given: a trial day may move its `now` to lift the notice rule).
    /// `breakFacts` holds the locks that decide whether a technician's break is crowded out (the
    /// scenario's own unless given: a trial day that locks every visit it keeps passes the real ones).
    public init(_ scenario: Scenario, arrivalsAsOf: Instant? = nil, breakFacts: Scenario? = nil) {
        let zone = scenario.timeZone
        let origin = zone.instant(on: scenario.date, at: LocalTime(minutesAfterMidnight: 0)!)
        func minutes(_ time: LocalTime) -> Int { origin.minutes(until: zone.instant(on: scenario.date, at: time)) }

        var locations: [GeoPoint: Int] = [:]
        var points: [GeoPoint] = []
        func location(_ point: GeoPoint) -> Int {
            if let index = locations[point] { return index }
            locations[point] = points.count
            points.append(point)
            return points.count - 1
        }

        var crewIndex: [String: Int] = [:]
        var quotas: [Int] = []
        for crew in scenario.crews {
            crewIndex[crew.id] = quotas.count
            quotas.append(crew.contract?.maxOrdersPerDay ?? Int.max)
        }
        let crewsByID = Dictionary(uniqueKeysWithValues: scenario.crews.map { ($0.id, $0) })

        let policy = scenario.policy
        // The locked visits of the break facts, by technician: looked through once, not once a technician.
        let facts = breakFacts ?? scenario
        let factsByTechnician = Dictionary(grouping: facts.orders.filter { $0.lock != nil }, by: { $0.lock!.technicianID })
        let technicians = scenario.technicians.map { technician in
            let start = minutes(technician.shift.start)
            let end = minutes(technician.shift.end)
            var breakEarliest = 0
            var breakLatest = 0
            var breakMinutes = 0
            if let rule = policy.breakRule {
                let earliest = minutes(rule.earliestStart)
                let latest = minutes(rule.latestStart)
                // A shift that cannot hold the break anywhere in its allowed range has none.
                if start <= latest && end >= earliest + rule.minutes {
                    breakEarliest = max(earliest, start)
                    breakLatest = min(latest, end - rule.minutes)
                    breakMinutes = rule.minutes
                    // Visits already announced or begun that leave it no room: it is taken late, in full;
                    // when they leave no room anywhere in the shift, there is none (what is promised
                    // or done is not undone for a break that cannot be had).
                    var own = facts
                    own.orders = factsByTechnician[technician.id] ?? []
                    if Self.locksLeaveNoBreak(technician, in: own, rule: rule) {
                        breakLatest = end - rule.minutes
                        if Self.locksLeaveNoBreak(technician, in: own, rule: rule, until: technician.shift.end) { breakMinutes = 0 }
                    }
                }
            }
            var prices: [WorkType: Int] = [:]
            if let crewID = technician.crewID, let contract = crewsByID[crewID]?.contract {
                for (type, money) in contract.prices { prices[type] = money.cents }
            }
            return Technician(
                startLocation: location(technician.startLocation), endLocation: location(technician.endLocation),
                shiftStart: start, shiftEnd: end, crew: technician.crewID.flatMap { crewIndex[$0] } ?? -1,
                priceCents: prices, breakEarliest: breakEarliest, breakLatest: breakLatest, breakMinutes: breakMinutes)
        }

        let noticeEarliest = Self.ceilMinute(scenario.now, origin) + policy.noticeMinutes

        var groupIndex: [String: Int] = [:]
        var groups: [[Int]] = []
        for (index, order) in scenario.orders.enumerated() {
            guard let group = order.group else { continue }
            if let existing = groupIndex[group] {
                groups[existing].append(index)
            } else {
                groupIndex[group] = groups.count
                groups.append([index])
            }
        }
        // A "group" of one is an ordinary order.
        var singleGroup = Set<Int>()
        for (index, members) in groups.enumerated() where members.count < 2 { singleGroup.insert(index) }

        let technicianIndex = Dictionary(uniqueKeysWithValues: scenario.technicians.enumerated().map { ($1.id, $0) })
        let farFuture = Int.max / 4
        var built: [Order] = []
        // Members of an announced coordinated visit that follow its locked head back to back on
        // the same technician (pinned there): announced too, so the notice rule does not bind them.
        let lockedHeads = Set(
            scenario.orders.compactMap { order in
                order.lock.flatMap { lock in order.group.map { "\($0)\u{1}\(lock.technicianID)" } }
            })
        var eligibleByKey: [WorkOrder.EligibilityKey: [Int]] = [:]
        for order in scenario.orders {
            let key = order.eligibilityKey
            let eligible =
                eligibleByKey[key]
                ?? scenario.technicians.indices.filter {
                    scenario.ineligibility(of: scenario.technicians[$0], for: order, crews: crewsByID) == nil
                }
            eligibleByKey[key] = eligible
            var earliest = order.window.map { Self.ceilMinute($0.start, origin) } ?? -farFuture
            var latest = order.window.map { origin.minutes(until: $0.end) } ?? farFuture
            var fixedTechnician = -1
            var fixedStart = -1
            if let lock = order.lock {
                fixedTechnician = technicianIndex[lock.technicianID] ?? -1
                fixedStart = origin.minutes(until: lock.start)
                earliest = fixedStart
                latest = fixedStart
            } else {
                let follower =
                    order.pin.map { pin in order.group.map { lockedHeads.contains("\($0)\u{1}\(pin.technicianID)") } ?? false } ?? false
                if !follower { earliest = max(earliest, noticeEarliest) }
                if let pin = order.pin {
                    fixedTechnician = technicianIndex[pin.technicianID] ?? -1
                    if let start = pin.start {
                        fixedStart = origin.minutes(until: start)
                        earliest = max(earliest, fixedStart)
                        latest = min(latest, fixedStart)
                    }
                }
            }
            // A published visit: kept where it is unless moving it pays (CostEvaluator.movedVisit), and
            // never moved more than the slack earlier, where the route's earliest schedule would drift.
            var preferredTechnician = -1
            var preferredStart = 0
            if order.lock == nil, let published = order.published, let index = technicianIndex[published.technicianID] {
                preferredTechnician = index
                preferredStart = origin.minutes(until: published.start)
                if preferredStart - Stability.slackMinutes <= latest {
                    earliest = max(earliest, preferredStart - Stability.slackMinutes)
                }
            }
            var deadline = Int.max
            if order.type == .repair, let reported = order.reportedAt, let hours = policy.repairDeadlineHours[order.customer.tier] {
                deadline = origin.minutes(until: reported) + hours * 60
            }
            let group = order.group.flatMap { groupIndex[$0] }.flatMap { singleGroup.contains($0) ? nil : $0 } ?? -1
            built.append(
                Order(
                    location: location(order.location), duration: order.durationMinutes, earliest: earliest, latest: latest,
                    weight: Self.weight(order, policy: policy, now: scenario.now)
                        + (order.window != nil && (order.promised || preferredTechnician >= 0) ? CostEvaluator.promiseWeight : 0),
                    group: group, eligible: eligible,
                    fixedTechnician: fixedTechnician, fixedStart: fixedStart, locked: order.lock != nil, deadline: deadline,
                    type: order.type, hasWindow: order.window != nil, preferredTechnician: preferredTechnician,
                    preferredStart: preferredStart))
        }

        let matrix = TravelTables.shared.matrix(points, model: scenario.travel)
        self.init(
            scenario: scenario, orderIDs: scenario.orders.map(\.id), origin: origin, orders: built,
            technicians: technicians, groups: groups.enumerated().map { singleGroup.contains($0.offset) ? [] : $0.element },
            crewQuota: quotas, crewIDs: scenario.crews.map(\.id), locationCount: points.count, travel: matrix,
            noticeEarliest: noticeEarliest)
        arrivedGroups = Self.arrived(self.groups, orders: built, now: origin.minutes(until: arrivalsAsOf ?? scenario.now))
        traffic = TrafficProfile(parts: scenario.travel.dayParts, midnight: 0)
        let minute = policy.inHouseHourCost.cents * CostEvaluator.perCent / 60
        costs.minutePoints = technicians.map { $0.crew < 0 ? minute : 0 }
    }

    /// True when the technician's locked visits (announced or begun: facts no plan changes) leave
    /// no gap where the break could start inside its range and be taken in full. The break is then
    /// taken late, wherever it fits in the rest of the shift (DOMAIN rule 3 asks for it in full;
    /// the customers' promises come first, and what happened cannot be planned again); the
    /// checker's H4 agrees.
    /// With `until`, the break may start as late as that less its length (the shift's end: is
    /// there room for it anywhere at all?).
    static func locksLeaveNoBreak(
        _ technician: SchedulingCore.Technician, in scenario: Scenario, rule: BreakPolicy,
        until: LocalTime? = nil
    ) -> Bool {
        let locked = scenario.orders.compactMap { order -> (start: Instant, end: Instant, place: GeoPoint)? in
            guard let lock = order.lock, lock.technicianID == technician.id else { return nil }
            return (lock.start, lock.start.adding(minutes: order.durationMinutes), order.location)
        }.sorted { $0.start < $1.start }
        guard !locked.isEmpty else { return false }
        func at(_ time: LocalTime) -> Instant { scenario.timeZone.instant(on: scenario.date, at: time) }
        let earliest = at(rule.earliestStart)
        let latest = until.map { at($0).adding(minutes: -rule.minutes) } ?? at(rule.latestStart)
        let stops =
            [(at(technician.shift.start), at(technician.shift.start), technician.startLocation)] + locked
            + [(at(technician.shift.end), at(technician.shift.end), technician.endLocation)]
        for (a, b) in zip(stops, stops.dropFirst()) where max(a.end, earliest) <= latest {
            // Taken on arriving at the next stop, or on the way by its latest start.
            let drive = scenario.drive(from: a.place, to: b.place, leaving: a.end)
            if max(a.end.adding(minutes: drive), earliest).adding(minutes: rule.minutes) <= b.start { return false }
        }
        return true
    }

    /// The groups of `orders` that have arrived by minute `now` (see `arrivedGroups`).
    static func arrived(_ groups: [[Int]], orders: [Order], now: Int) -> Set<Int> {
        var found = Set<Int>()
        for (index, members) in groups.enumerated() where members.count > 1 {
            // The locked members by technician and start: each technician's first heads its share.
            let locks = members.filter { orders[$0].locked }.map { orders[$0] }
                .sorted { ($0.fixedTechnician, $0.fixedStart) < ($1.fixedTechnician, $1.fixedStart) }
            let heads = locks.indices.filter { $0 == 0 || locks[$0 - 1].fixedTechnician != locks[$0].fixedTechnician }
                .map { locks[$0].fixedStart }
            // Or, on one technician, a member locked later than the end of the one locked before
            // it: that one overran (or began early), this one was announced again.
            let apart = zip(locks, locks.dropFirst()).contains {
                $0.fixedTechnician == $1.fixedTechnician && $0.fixedStart + $0.duration < $1.fixedStart
            }
            if heads.contains(where: { $0 <= now }) || Set(heads).count > 1 || apart { found.insert(index) }
        }
        return found
    }

    static func ceilMinute(_ instant: Instant, _ origin: Instant) -> Int {
        let seconds = instant.secondsSinceEpoch - origin.secondsSinceEpoch
        return seconds >= 0 ? (seconds + 59) / 60 : -((-seconds) / 60)
    }

    /// Priority of serving an order: repairs above installs and moves above removals, VIP above
    /// ordinary, broadband above phone; orders waiting long gain weight (DOMAIN soft rule 1).
    ///
    /// Every weight lies in 1000..<2000, so two orders always outweigh one: the plan serves as
    /// many orders as it can, and priority decides which. Above them all, a promise: a published
    /// (or `promised`) visit in an agreed window weighs `CostEvaluator.promiseWeight` more (a re-plan
    /// never drops one the customer was promised to serve others: that sends them a rebooking).
    public static func weight(_ order: WorkOrder, policy: Policy, now: Instant) -> Int {
        var weight = 1000
        switch order.type {
        case .repair: weight += 400
        case .install, .move: weight += 200
        case .removal: break
        }
        if policy.vipTiers.contains(order.customer.tier) { weight += 250 }
        switch order.service {
        case .broadband: weight += 60
        case .iptv: weight += 30
        case .phone: break
        }
        if let reported = order.reportedAt {
            let days = max(0, reported.minutes(until: now) / 1440)
            weight += min(days, 10) * 25
        }
        return weight
    }
}

extension PlanningProblem.Order {
    /// A customer of a routing problem given directly (a public benchmark's): weight 1000, no
    /// lock, pin or deadline; `group` links the members of a synchronised visit.
    public static func customer(
        location: Int, duration: Int, earliest: Int, latest: Int, eligible: [Int], group: Int = -1, demand: Int = 0
    ) -> Self {
        var order = Self(
            location: location, duration: duration, earliest: earliest, latest: latest, weight: 1000, group: group,
            eligible: eligible, fixedTechnician: -1, fixedStart: -1, locked: false, deadline: .max)
        order.demand = demand
        return order
    }
}

extension PlanningProblem.Technician {
    /// A vehicle of a routing problem given directly: from `depot` and back within its hours, in-house,
    /// no break; `fixedCost` objective points when used at all.
    public static func vehicle(depot: Int, opens: Int, closes: Int, capacity: Int = .max, fixedCost: Int = 0) -> Self {
        var vehicle = Self(
            startLocation: depot, endLocation: depot, shiftStart: opens, shiftEnd: closes, crew: -1, priceCents: [:],
            breakEarliest: 0, breakLatest: 0, breakMinutes: 0)
        vehicle.capacity = capacity
        vehicle.fixedCost = fixedCost
        return vehicle
    }
}

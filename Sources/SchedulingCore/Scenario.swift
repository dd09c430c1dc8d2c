/// One service day: who works, what must be done, and under which rules (docs/formats.md).
public struct Scenario: Hashable, Sendable {
    public var name: String
    public var timeZone: ServiceTimeZone
    public var date: LocalDate
    /// When the plan is made; the notice rule counts from here.
    public var now: Instant
    public var travel: TravelModel
    public var policy: Policy
    public var crews: [Crew]
    public var technicians: [Technician]
    public var orders: [WorkOrder]
    /// The working calendar the file sets (`calendar:`), stored by an import for every day; nil: the file sets none.
    public var calendar: WorkingCalendar?

    public init(
        name: String, timeZone: ServiceTimeZone, date: LocalDate, now: Instant? = nil,
        travel: TravelModel = TravelModel(), policy: Policy = Policy(),
        crews: [Crew] = [], technicians: [Technician] = [], orders: [WorkOrder] = [], calendar: WorkingCalendar? = nil
    ) {
        self.name = name
        self.timeZone = timeZone
        self.date = date
        self.now = now ?? timeZone.instant(on: date, at: LocalTime(minutesAfterMidnight: 0)!)
        self.travel = travel
        self.policy = policy
        self.crews = crews
        self.technicians = technicians
        self.orders = orders
        self.calendar = calendar
    }
}

extension Scenario {
    /// The crews by id (of two with one id the first counts), as the eligibility rules take them.
    public var crewsByID: [String: Crew] { Dictionary(crews.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }) }

    /// The day's traffic on minutes since its local midnight.
    public var traffic: TrafficProfile { TrafficProfile(parts: travel.dayParts, midnight: 0) }

    /// Whole minutes from `a` to `b` leaving at `leaving`, the day's traffic applied (what the
    /// planner, the checker and the simulator all drive by).
    public func drive(from a: GeoPoint, to b: GeoPoint, leaving: Instant) -> Int {
        let base = travel.minutes(from: a, to: b)
        guard base > 0, !travel.dayParts.isEmpty else { return base }
        let minute = wholeDay.start.minutes(until: leaving)
        return traffic.arrival(leaving: minute, base: base) - minute
    }

    /// The latest whole minute of leaving `a` that reaches `b` by `arriving`.
    public func latestDeparture(from a: GeoPoint, to b: GeoPoint, arriving: Instant) -> Instant {
        let base = travel.minutes(from: a, to: b)
        guard base > 0, !travel.dayParts.isEmpty else { return arriving.adding(minutes: -base) }
        let midnight = wholeDay.start
        return midnight.adding(minutes: traffic.departure(arriving: midnight.minutes(until: arriving), base: base))
    }

    /// The service day from local midnight to the next (what "any time that day" means).
    public var wholeDay: TimeWindow {
        TimeWindow(
            start: timeZone.instant(on: date, at: LocalTime(minutesAfterMidnight: 0)!),
            end: timeZone.instant(on: date, at: LocalTime(minutesAfterMidnight: 1440)!))
    }
}

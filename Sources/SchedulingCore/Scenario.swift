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

    public init(
        name: String, timeZone: ServiceTimeZone, date: LocalDate, now: Instant? = nil,
        travel: TravelModel = TravelModel(), policy: Policy = Policy(),
        crews: [Crew] = [], technicians: [Technician] = [], orders: [WorkOrder] = []
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
    }
}

extension Scenario {
    /// The service day from local midnight to the next (what "any time that day" means).
    public var wholeDay: TimeWindow {
        TimeWindow(start: timeZone.instant(on: date, at: LocalTime(minutesAfterMidnight: 0)!),
                   end: timeZone.instant(on: date, at: LocalTime(minutesAfterMidnight: 1440)!))
    }
}

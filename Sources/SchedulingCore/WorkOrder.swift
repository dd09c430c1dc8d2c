/// A point on the Earth in decimal degrees (WGS 84).
public struct GeoPoint: Hashable, Sendable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// A customer of the operator; the tier drives priority and repair deadlines.
public struct Customer: Hashable, Sendable {
    public var id: String
    public var name: String?
    public var tier: CustomerTier
    public var phone: String?

    public init(id: String, name: String? = nil, tier: CustomerTier, phone: String? = nil) {
        self.id = id
        self.name = name
        self.tier = tier
        self.phone = phone
    }
}

/// The agreed appointment window: service must start in `[start, end]` (DOMAIN rule 2).
public struct TimeWindow: Hashable, Sendable {
    public var start: Instant
    public var end: Instant

    public init(start: Instant, end: Instant) {
        self.start = start
        self.end = end
    }
}

/// A dispatcher's pin: the order goes to this technician, at this start when one is given (rule 10).
public struct Pin: Hashable, Sendable {
    public var technicianID: String
    public var start: Instant?

    public init(technicianID: String, start: Instant? = nil) {
        self.technicianID = technicianID
        self.start = start
    }
}

/// A visit whose pre-arrival notice has gone out: technician and start are fixed (rule 6).
public struct Lock: Hashable, Sendable {
    public var technicianID: String
    public var start: Instant

    public init(technicianID: String, start: Instant) {
        self.technicianID = technicianID
        self.start = start
    }
}

/// One task at one customer address (the regulation, Art. 42).
public struct WorkOrder: Hashable, Sendable, Identifiable {
    public var id: String
    public var type: WorkType
    public var service: Service
    /// Skills a technician must all hold; defaults to the service's name.
    public var skills: [String]
    public var customer: Customer
    public var location: GeoPoint
    public var address: String?
    public var territory: String?
    public var durationMinutes: Int
    /// Nil means any time in the technician's shift.
    public var window: TimeWindow?
    /// When the fault was reported; repair deadlines count from here.
    public var reportedAt: Instant?
    /// The customer order this work belongs to; members of a group are visited together.
    public var group: String?
    public var pin: Pin?
    public var lock: Lock?
    /// Where the published plan has this visit (technician and start) when a day is re-planned:
    /// the planner keeps it there unless moving it serves more work, avoids a late repair or
    /// saves more travel than a move costs (`Stability`). Never earlier than the slack before
    /// that start. Not part of the scenario file.
    public var published: Lock?
    /// A customer was promised this visit in its window (a re-plan keeps it served above all,
    /// `CostEvaluator.promiseWeight`, wherever in the window it goes). Not part of the scenario file.
    public var promised = false
    /// What the dispatcher tells the technician (access, parking, the customer's wishes).
    public var notes: String?

    public init(
        id: String, type: WorkType, service: Service, skills: [String]? = nil, customer: Customer,
        location: GeoPoint, address: String? = nil, territory: String? = nil, durationMinutes: Int,
        window: TimeWindow? = nil, reportedAt: Instant? = nil, group: String? = nil,
        pin: Pin? = nil, lock: Lock? = nil, notes: String? = nil
    ) {
        self.id = id
        self.type = type
        self.service = service
        self.skills = skills ?? [service.rawValue]
        self.customer = customer
        self.location = location
        self.address = address
        self.territory = territory
        self.durationMinutes = durationMinutes
        self.window = window
        self.reportedAt = reportedAt
        self.group = group
        self.pin = pin
        self.lock = lock
        self.notes = notes
    }
}

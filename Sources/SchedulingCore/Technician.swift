/// A technician's working day in local clock time.
public struct Shift: Hashable, Sendable {
    public var start: LocalTime
    public var end: LocalTime

    public init(start: LocalTime, end: LocalTime) {
        self.start = start
        self.end = end
    }
}

/// A person who does the work: in-house, or employed by a contractor crew.
public struct Technician: Hashable, Sendable, Identifiable {
    public var id: String
    public var name: String?
    /// The contractor crew; nil for in-house staff.
    public var crewID: String?
    public var skills: [String]
    /// Last day the installation & maintenance certification is valid; nil = not certified.
    public var certifiedUntil: LocalDate?
    public var shift: Shift
    public var startLocation: GeoPoint
    public var endLocation: GeoPoint
    /// Territories the technician takes orders in; nil = any.
    public var territories: [String]?
    public var absent: Bool

    public init(
        id: String, name: String? = nil, crewID: String? = nil, skills: [String],
        certifiedUntil: LocalDate?, shift: Shift, startLocation: GeoPoint, endLocation: GeoPoint? = nil,
        territories: [String]? = nil, absent: Bool = false
    ) {
        self.id = id
        self.name = name
        self.crewID = crewID
        self.skills = skills
        self.certifiedUntil = certifiedUntil
        self.shift = shift
        self.startLocation = startLocation
        self.endLocation = endLocation ?? startLocation
        self.territories = territories
        self.absent = absent
    }

    /// Certified for customer work on `date` (DOMAIN rule 1).
    public func isCertified(on date: LocalDate) -> Bool {
        guard let until = certifiedUntil else { return false }
        return date <= until
    }
}

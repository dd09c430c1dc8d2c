/// An amount of money in minor units (cents), so prices add up exactly.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var cents: Int

    public init(cents: Int) { self.cents = cents }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents + rhs.cents) }
    public static let zero = Money(cents: 0)

    /// `120`, or `120.5` / `120.05` when there are cents.
    public var description: String {
        let sign = cents < 0 ? "-" : ""
        let whole = abs(cents) / 100
        let fraction = abs(cents) % 100
        if fraction == 0 { return "\(sign)\(whole)" }
        return fraction % 10 == 0 ? "\(sign)\(whole).\(fraction / 10)" : "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

/// The terms under which a contractor's technicians take orders (DOMAIN rule 8).
public struct Contract: Hashable, Sendable {
    public var validFrom: LocalDate
    public var validTo: LocalDate
    /// Nil = any territory.
    public var territories: [String]?
    public var workTypes: [WorkType]
    public var services: [Service]
    public var excludedTiers: [CustomerTier]
    /// Nil = no daily limit.
    public var maxOrdersPerDay: Int?
    /// Price per completed order by work type; a work type without a price costs nothing.
    public var prices: [WorkType: Money]

    public init(
        validFrom: LocalDate, validTo: LocalDate, territories: [String]? = nil, workTypes: [WorkType],
        services: [Service], excludedTiers: [CustomerTier] = [], maxOrdersPerDay: Int?, prices: [WorkType: Money]
    ) {
        self.validFrom = validFrom
        self.validTo = validTo
        self.territories = territories
        self.workTypes = workTypes
        self.services = services
        self.excludedTiers = excludedTiers
        self.maxOrdersPerDay = maxOrdersPerDay
        self.prices = prices
    }

    public func isValid(on date: LocalDate) -> Bool { validFrom <= date && date <= validTo }
}

/// An outsourced company whose technicians work under a contract.
public struct Crew: Hashable, Sendable, Identifiable {
    public var id: String
    public var name: String?
    /// Nil: the crew has no contract, so its technicians get no customer work.
    public var contract: Contract?

    public init(id: String, name: String? = nil, contract: Contract?) {
        self.id = id
        self.name = name
        self.contract = contract
    }
}

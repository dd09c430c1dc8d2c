/// When the break may start and how long it lasts, in local clock time.
public struct BreakPolicy: Hashable, Sendable {
    public var earliestStart: LocalTime
    public var latestStart: LocalTime
    public var minutes: Int

    public init(earliestStart: LocalTime, latestStart: LocalTime, minutes: Int) {
        self.earliestStart = earliestStart
        self.latestStart = latestStart
        self.minutes = minutes
    }

    /// The regulation's default: 30 minutes starting between 11:30 and 13:30.
    public static let standard = BreakPolicy(
        earliestStart: LocalTime(minutesAfterMidnight: 690)!, latestStart: LocalTime(minutesAfterMidnight: 810)!,
        minutes: 30)
}

/// The operator's adjustable rules; every value has the regulation's default.
public struct Policy: Hashable, Sendable {
    /// Minutes between the pre-arrival notice and the arrival (rule 6).
    public var noticeMinutes: Int
    /// How far apart the technicians of one coordinated visit may start (rule 5).
    public var syncToleranceMinutes: Int
    /// Hours from fault report to repair deadline, by tier (soft rule 2).
    public var repairDeadlineHours: [CustomerTier: Int]
    /// Nil = no break.
    public var breakRule: BreakPolicy?
    public var vipTiers: Set<CustomerTier>
    /// The ISO 4217 code of the money in contract prices and costs (shown with every amount).
    public var currency: String
    /// What an hour of an in-house technician's work (driving and at the customer's) costs: the
    /// planner weighs a contractor's price against the in-house time the same work takes. The
    /// roster allows no overtime (a shift is a hard limit), so no overtime rate applies.
    public var inHouseHourCost: Money = Policy.defaultInHouseHourCost

    public init(
        noticeMinutes: Int = 30, syncToleranceMinutes: Int = 0,
        repairDeadlineHours: [CustomerTier: Int] = Policy.defaultRepairDeadlineHours,
        breakRule: BreakPolicy? = .standard, vipTiers: Set<CustomerTier> = Policy.defaultVIPTiers, currency: String = Policy.defaultCurrency
    ) {
        self.noticeMinutes = noticeMinutes
        self.syncToleranceMinutes = syncToleranceMinutes
        self.repairDeadlineHours = repairDeadlineHours
        self.breakRule = breakRule
        self.vipTiers = vipTiers
        self.currency = currency
    }

    public static let defaultCurrency = "CNY"
    /// 60.00 an hour.
    public static let defaultInHouseHourCost = Money(cents: 6000)

    /// When a repair should be done by: fault reported + the tier's hours; nil for other work.
    public func repairDeadline(of order: WorkOrder) -> Instant? {
        guard order.type == .repair, let reported = order.reportedAt, let hours = repairDeadlineHours[order.customer.tier] else {
            return nil
        }
        return reported.adding(minutes: hours * 60)
    }

    /// Diamond and 1A–5A: 4 h; gold and 1B–5B: 8 h; silver 24 h; basic 48 h.
    public static let defaultRepairDeadlineHours: [CustomerTier: Int] = {
        var hours: [CustomerTier: Int] = [.diamond: 4, .gold: 8, .silver: 24, .basic: 48]
        for tier in [CustomerTier.tier1A, .tier2A, .tier3A, .tier4A, .tier5A] { hours[tier] = 4 }
        for tier in [CustomerTier.tier1B, .tier2B, .tier3B, .tier4B, .tier5B] { hours[tier] = 8 }
        return hours
    }()

    public static let defaultVIPTiers: Set<CustomerTier> = [.diamond, .gold, .tier1A, .tier2A, .tier1B, .tier2B]
}

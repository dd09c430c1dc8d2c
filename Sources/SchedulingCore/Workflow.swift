/// The workflow's vocabulary: an order's states and their transitions' records, the notices
/// and the callbacks. Shared by the store (which keeps them as text and refuses text it does
/// not know), the application layer and every interface.

/// The workflow states of an order (README "The running operation").
public enum OrderState: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case new, scheduled, confirmed, notified
    case enRoute = "en_route"
    case onSite = "on_site"
    case completed
    case customerAbsent = "customer_absent"
    case transferred, cancelled, rebooking

    public var description: String { rawValue }
}

/// Which side caused a rebooking: the report needs the company-caused rate.
public enum ReasonSide: String, CaseIterable, Hashable, Sendable {
    case company, customer
}

/// One stored transition of an order's state.
public struct OrderEvent: Hashable, Sendable {
    public var order: String
    public var at: Instant
    public var actor: String
    public var from: OrderState
    public var to: OrderState
    public var reason: String?
    public var side: ReasonSide?
    /// Extra facts of the transition as a JSON object (e.g. completion fields), or nil.
    public var details: String?

    public init(
        order: String, at: Instant, actor: String, from: OrderState, to: OrderState,
        reason: String? = nil, side: ReasonSide? = nil, details: String? = nil
    ) {
        self.order = order
        self.at = at
        self.actor = actor
        self.from = from
        self.to = to
        self.reason = reason
        self.side = side
        self.details = details
    }
}

public enum NoticeKind: String, CaseIterable, Hashable, Sendable {
    case confirmation
    case preArrival = "pre_arrival"
    case rebooking, absence
}

public enum CallbackCause: String, CaseIterable, Hashable, Sendable {
    case completion, complaint
    /// A manual call after a dissatisfied answer.
    case followUp = "follow_up"
}

public enum CallbackChannel: String, CaseIterable, Hashable, Sendable {
    case automatic, manual
}

public enum CallbackAnswer: String, CaseIterable, Hashable, Sendable {
    case verySatisfied = "very_satisfied"
    case satisfied, dissatisfied
}

/// How a nightly run ended (stored in `nightly_runs.outcome`).
public enum NightlyOutcome: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Still going (or its process died: the next run marks it interrupted).
    case running
    /// At least one day got a new plan version.
    case published
    /// Every day was planned and nothing needed publishing.
    case unchanged
    /// Planned and compared, nothing written (`--dry-run`).
    case dryRun = "dry_run"
    /// Stopped by a signal or its process died before it finished.
    case interrupted
    case failed

    public var description: String { rawValue }
}

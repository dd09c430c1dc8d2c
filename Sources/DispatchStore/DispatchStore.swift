import SchedulingCore

/// What an import did: rows written because they were new or different, and rows already identical.
public struct ImportSummary: Hashable, Sendable {
    public var crews = Counts()
    public var technicians = Counts()
    public var customers = Counts()
    public var orders = Counts()
    /// Rows of the day's road matrix (none for straight-line travel).
    public var travelLegs = Counts()

    public struct Counts: Hashable, Sendable {
        public var total = 0
        public var changed = 0
    }

    /// Rows of the working calendar the file's `calendar:` changed (weekdays, holidays).
    public var calendarChanged = 0

    public init() {}

    public var changedRows: Int {
        crews.changed + technicians.changed + customers.changed + orders.changed + travelLegs.changed + calendarChanged
    }
}

/// An order as stored, with its workflow state.
///
/// `order.reportedAt` is when the repair deadline clock started, moved later by the time it was
/// paused (a customer absent until the new appointment), so the planner's deadline is right.
public struct StoredOrder: Hashable, Sendable {
    public var order: WorkOrder
    public var serviceDay: LocalDate
    /// The workflow state (stored as its text; text the workflow does not know is refused when read).
    public var state: OrderState
    /// When the current window was agreed with the customer; nil when it came with an import.
    public var bookedAt: Instant?
    /// Seconds the repair deadline clock was paused, and since when it is paused now (nil: running).
    public var deadlinePausedSeconds: Int
    public var deadlinePausedSince: Instant?

    public init(
        order: WorkOrder, serviceDay: LocalDate, state: OrderState, bookedAt: Instant? = nil,
        deadlinePausedSeconds: Int = 0, deadlinePausedSince: Instant? = nil
    ) {
        self.order = order
        self.serviceDay = serviceDay
        self.state = state
        self.bookedAt = bookedAt
        self.deadlinePausedSeconds = deadlinePausedSeconds
        self.deadlinePausedSince = deadlinePausedSince
    }

    /// The state as it is stored and printed.
    public var status: String { state.rawValue }
}

/// Persistence for FieldDispatch; every backend passes the same contract test suite.
public protocol DispatchStore: PlanStore, Sendable {
    /// Which backend this is (`sqlite`, `postgresql`), for messages.
    var backend: String { get }
    /// Applies the migrations the database lacks; returns the versions applied now. Safe to repeat.
    func migrate() async throws -> [Int]
    /// Migration versions this program knows that the database has not applied.
    func pendingMigrations() async throws -> [Int]
    /// Stores a scenario's day, crews, technicians, customers and orders in one transaction,
    /// inserting new ids and updating changed ones; nothing is stored if anything fails.
    func importScenario(_ scenario: Scenario) async throws -> ImportSummary
    /// Stores `header`'s day, crews and technicians and the orders `orders` hands to the function
    /// it is given, batch by batch, in one transaction (nothing is stored if `orders` throws).
    /// `travel`, asked once the orders are stored, gives the day's road legs when they come with
    /// the orders (a streamed file's matrix names them); nil keeps `header.travel.legs`.
    func importScenario(
        _ header: Scenario, orders: @escaping @Sendable (_ store: ([WorkOrder]) throws -> Void) throws -> Void,
        travel: @escaping @Sendable () -> RoadLegs?
    ) async throws -> ImportSummary
    /// The stored service day as a scenario, or nil if no day was imported for `day`.
    func scenario(on day: LocalDate) async throws -> Scenario?
    /// Orders of one service day, by id, with the zone they are planned in.
    func orders(on day: LocalDate) async throws -> (timeZone: ServiceTimeZone?, orders: [StoredOrder])
    /// All technicians, by id (absence is per day and not part of this list).
    func technicians() async throws -> [Technician]
    func crews() async throws -> [Crew]
    /// Runs `body` in one transaction on a current schema: committed when it returns, rolled
    /// back when it throws. The application layer builds every operation from this.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T
    /// As `transaction`, for work that only reads: a consistent snapshot that takes no write lock
    /// (readers never wait for the writer, nor it for them). A write inside it fails.
    func readTransaction<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T
    /// Takes the named run lock (one nightly run per scope at a time); false when another
    /// process holds it. It is freed by `releaseRunLock`, by `close`, or when the process dies.
    func tryRunLock(_ name: String) async throws -> Bool
    func releaseRunLock(_ name: String) async
    func close() async
}

/// One stored version of a day's plan.
public struct StoredPlan: Hashable, Sendable {
    public var version: Int
    public var createdAt: Instant
    /// The plan JSON exactly as `dispatch plan` printed it.
    public var document: String
    public var visits: Int
    public var unassigned: Int
    /// Who published it and why (nil for a version saved without publishing).
    public var publishedBy: String?
    public var cause: String?

    public init(
        version: Int, createdAt: Instant, document: String, visits: Int, unassigned: Int, publishedBy: String? = nil,
        cause: String? = nil
    ) {
        self.publishedBy = publishedBy
        self.cause = cause
        self.version = version
        self.createdAt = createdAt
        self.document = document
        self.visits = visits
        self.unassigned = unassigned
    }
}

/// Stored plans: each commit of a day's plan is a new version, and earlier versions are kept.
public protocol PlanStore: Sendable {
    /// Stores `plan` as the next version of its day, visits and reasons included, in one
    /// transaction; the database refuses overlapping visits of one technician. Returns the version.
    func savePlan(_ plan: Plan, document: String, seed: UInt64, plannedFor now: Instant, createdAt: Instant) async throws -> Int
    /// Every stored version of the day's plan, oldest first.
    func plans(on day: LocalDate) async throws -> [StoredPlan]
}

extension DispatchStore {
    /// As `importScenario(_:orders:travel:)`, the legs (if any) those of `header`.
    public func importScenario(
        _ header: Scenario, orders: @escaping @Sendable (_ store: ([WorkOrder]) throws -> Void) throws -> Void
    ) async throws -> ImportSummary {
        try await importScenario(header, orders: orders, travel: { nil })
    }
}

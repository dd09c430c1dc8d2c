import DispatchOperations
import DispatchStore
import Foundation
import PlanCheck
import ScenarioFormat
import SchedulingCore

/// A clock the test moves by hand, as a replayed day moves on.
public final class TestClock: DispatchClock, @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var current: Instant

    public init(_ text: String) { current = OperationFixtures.instant(text) }

    public func now() -> Instant { lock.withLock { current } }
    public func set(_ text: String) { lock.withLock { current = OperationFixtures.instant(text) } }
    public func set(_ instant: Instant) { lock.withLock { current = instant } }
}

/// A small Shanghai day (2026-11-23): three in-house technicians, an install with an agreed
/// window, a broadband + phone group, a repair without a window and an install waiting for an
/// appointment.
public enum OperationFixtures {
    public static let zone = ServiceTimeZone(identifier: "Asia/Shanghai")!
    public static let date = LocalDate(iso: "2026-11-23")!

    public static func instant(_ text: String) -> Instant {
        guard let instant = parseRFC3339(text) else { preconditionFailure("bad fixture time \(text)") }
        return instant
    }

    public static func window(_ start: String, _ end: String) -> TimeWindow {
        TimeWindow(start: instant("2026-11-23T\(start):00+08:00"), end: instant("2026-11-23T\(end):00+08:00"))
    }

    public static func technician(_ id: String, _ skills: [String], lat: Double, lon: Double) -> Technician {
        Technician(
            id: id, name: "Tech \(id)", skills: skills, certifiedUntil: LocalDate(iso: "2027-12-31"),
            shift: Shift(start: LocalTime(hhmm: "08:30")!, end: LocalTime(hhmm: "17:30")!),
            startLocation: GeoPoint(latitude: lat, longitude: lon))
    }

    public static func order(
        _ id: String, _ type: WorkType, _ service: Service, customer: String, tier: CustomerTier = .silver,
        lat: Double, lon: Double, minutes: Int = 45, window: TimeWindow? = nil, group: String? = nil,
        reported: String? = nil
    ) -> WorkOrder {
        WorkOrder(
            id: id, type: type, service: service,
            customer: Customer(id: customer, name: "Customer \(customer)", tier: tier, phone: "+86 138 0000 \(customer.suffix(4))"),
            location: GeoPoint(latitude: lat, longitude: lon), address: "\(id) Road", durationMinutes: minutes,
            window: window, reportedAt: reported.map(instant), group: group)
    }

    public static func day() -> Scenario {
        Scenario(
            name: "replay", timeZone: zone, date: date, now: instant("2026-11-22T10:00:00+08:00"),
            technicians: [
                technician("T1", ["broadband", "phone"], lat: 31.2304, lon: 121.4737),
                technician("T2", ["broadband"], lat: 31.2200, lon: 121.4600),
                technician("T3", ["phone"], lat: 31.2400, lon: 121.4900),
            ],
            orders: [
                order(
                    "WO-A", .install, .broadband, customer: "C-1001", tier: .gold, lat: 31.2400, lon: 121.4800, minutes: 60,
                    window: window("09:00", "11:00")),
                order(
                    "WO-B1", .install, .broadband, customer: "C-1002", lat: 31.2280, lon: 121.4750, minutes: 60,
                    window: window("13:00", "15:00"), group: "G-1"),
                order(
                    "WO-B2", .install, .phone, customer: "C-1002", lat: 31.2280, lon: 121.4750, minutes: 30,
                    window: window("13:00", "15:00"), group: "G-1"),
                order(
                    "WO-R", .repair, .broadband, customer: "C-1003", lat: 31.2350, lon: 121.4700, minutes: 45,
                    reported: "2026-11-22T18:00:00+08:00"),
                order("WO-N", .install, .phone, customer: "C-1004", lat: 31.2330, lon: 121.4650, minutes: 30),
            ])
    }

    /// The fixture day migrated, imported, planned and published as of the evening before 10:00;
    /// returns the application layer on it, its clock, and the published plan.
    public static func publishedDay(_ database: TestDatabase, _ day: Scenario = day())
        async throws -> (operations: DispatchOperations, clock: TestClock, plan: PublishedPlan)
    {
        _ = try await database.store.migrate()
        _ = try await database.store.importScenario(day)
        let clock = TestClock("2026-11-22T10:00:00+08:00")
        let operations = DispatchOperations(store: database.store, clock: clock)
        try await planAndPublish(operations)
        guard let plan = try await database.store.transaction({ try $0.publishedPlan(on: date) }) else {
            throw TestSetupError(message: "the fixture day was not published")
        }
        return (operations, clock, plan)
    }

    /// Plans the stored day with the solver (fixed iterations) and publishes it.
    @discardableResult
    public static func planAndPublish(_ operations: DispatchOperations, _ date: LocalDate = date) async throws -> PublishOutcome {
        guard let (scenario, version, revision) = try await operations.planningDay(date) else {
            throw TestSetupError(message: "no day \(date)")
        }
        var day = scenario
        day.now = operations.clock.now()
        let plan = Solver(scenario: day, options: SolverOptions(seed: 1, iterations: 200)).plan()
        return try await operations.commitPlan(plan, basedOn: version, revision: revision, seed: 1, actor: "planner")
    }

    /// Violations of the hard rules that do not depend on when the plan is read (H1–H5, H7, H8)
    /// of the published plan of `date`, checked against the stored day.
    public static func hardRuleViolations(_ database: TestDatabase, _ date: LocalDate = date) async throws -> [String] {
        guard let day = try await database.store.scenario(on: date),
            let published = try await database.store.transaction({ try $0.publishedPlan(on: date) })
        else { return [] }
        let plan = try PlanJSON.decode(Data(published.document.utf8), file: "published plan")
        return PlanChecker(scenario: day).violations(of: plan).filter { line in
            ["H1", "H2", "H3", "H4", "H5", "H7", "H8"].contains { line.hasPrefix($0) }
        }
    }
}

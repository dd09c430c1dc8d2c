import SchedulingCore

/// Typed reads and writes inside one database transaction.
///
/// The application layer composes an operation (book, publish, send a notice, change a state)
/// from these calls inside `DispatchStore.transaction`, so each operation commits whole or not
/// at all. All SQL lives here and in the other store files; callers never write SQL.
public struct StoreTransaction {
    let connection: any SQLConnection
    /// Where the day's road legs read by this process are kept.
    let legsCache: RoadLegsCache
    /// The events this transaction has caused, written to the feed before it commits.
    let outbox = EventOutbox()
    /// The days its store read before (`cachedScenario`), when it keeps them.
    let scenarios: ScenarioCache?
    /// The days whose revision this transaction raised: read past the cache, since a revision
    /// raised by a transaction that then rolls back (a preview, a refused change) is raised
    /// again by the next one, and what was read under it here must not be kept for that one.
    let raised = RaisedDays()

    final class RaisedDays {
        var days: Set<LocalDate> = []
    }

    init(_ connection: any SQLConnection, legsCache: RoadLegsCache = .shared, scenarios: ScenarioCache? = nil) {
        self.connection = connection
        self.legsCache = legsCache
        self.scenarios = scenarios
    }

    var dialect: SQLDialect { connection.dialect }
    var reader: ScenarioReader { ScenarioReader(connection, legsCache: legsCache) }

    // MARK: Days, technicians, orders

    /// The stored day as a scenario (technicians' absences of that day applied), or nil.
    public func scenario(on day: LocalDate) throws -> Scenario? { try reader.scenario(on: day) }

    /// The day's scenario and its stored orders, the orders read once.
    public func scenarioAndOrders(on day: LocalDate) throws -> (scenario: Scenario, orders: [StoredOrder])? {
        try reader.scenarioAndOrders(on: day)
    }

    /// Creates the service day `day` with the settings of `template` when it does not exist yet,
    /// its roster copied from the roster it was shown with (`ScenarioReader.rosterDay`: the
    /// nearest earlier day's, else the nearest later one's).
    public func ensureServiceDay(_ day: LocalDate, like template: LocalDate) throws {
        let created = try connection.execute(
            """
            INSERT INTO service_days (day, name, timezone, planned_at, speed_kmh, road_factor, travel_day_parts, travel_service,
                travel_fallback, notice_minutes, sync_tolerance_minutes, repair_deadline_hours, vip_tiers, currency,
                break_earliest_minute, break_latest_minute, break_minutes)
            SELECT ?, ?, timezone, planned_at, speed_kmh, road_factor, travel_day_parts, travel_service,
                   travel_fallback, notice_minutes, sync_tolerance_minutes,
                   repair_deadline_hours, vip_tiers, currency, break_earliest_minute, break_latest_minute, break_minutes
            FROM service_days WHERE day = ?
            ON CONFLICT (day) DO NOTHING
            """, [.text(day.description), .text(day.description), .text(template.description)])
        guard created > 0, let roster = try reader.rosterDay(for: day) else { return }
        try connection.execute(
            """
            INSERT INTO technician_days (technician_id, day, shift_start_minute, shift_end_minute, start_lat, start_lon, end_lat,
                                         end_lon, territories)
            SELECT technician_id, ?, shift_start_minute, shift_end_minute, start_lat, start_lon, end_lat, end_lon, territories
            FROM technician_days WHERE day = ?
            """, [.text(day.description), .text(roster.description)])
    }

    /// Every technician, `absent` set from the absences recorded for `day`.
    public func technicians(absentOn day: LocalDate) throws -> [Technician] { try reader.technicians(absentOn: day) }

    public func technician(_ id: String) throws -> Technician? {
        try reader.technicians(absentOn: nil, id: id).first
    }

    public func order(_ id: String) throws -> StoredOrder? {
        try reader.orders(where: "o.id = ?", [.text(id)]).first
    }

    /// Every order of the group, by id.
    public func groupMembers(_ group: String) throws -> [StoredOrder] {
        try reader.orders(where: "o.group_id = ?", [.text(group)])
    }

    public func orders(on day: LocalDate) throws -> [StoredOrder] { try reader.orders(on: day) }

    /// Moves the order from `expected` to `state` (compare-and-set): when the stored state is no
    /// longer `expected`, another transaction changed it after this one read it, nothing is
    /// written and a retryable error is thrown (the operation runs again and re-reads it).
    /// The order's day's revision is bumped; that day must be `locked`.
    public func setState(_ order: String, _ state: OrderState, expected: OrderState, locked: LockedDays) throws {
        let changed = try connection.query(
            "UPDATE orders SET status = ? WHERE id = ? AND status = ? RETURNING \(dialect.dateColumn("service_day"))",
            [.text(state.rawValue), .text(order), .text(expected.rawValue)])
        guard let row = changed.first else {
            throw StoreError(.retryable, "order \(order) is no longer \(expected.rawValue): another change came first")
        }
        let day = try reader.date(row.text("service_day"))
        try locked.require(day, "the state of order \(order)")
        try bumpRevision(day)
    }

    /// Runs `body` inside a savepoint: when it throws, what it wrote is undone and the rest of the
    /// transaction goes on (the error is rethrown for the caller to judge).
    public func savepoint<T>(_ name: String, _ body: () throws -> T) throws -> T {
        try connection.execute("SAVEPOINT \(name)", [])
        do {
            let result = try body()
            try connection.execute("RELEASE SAVEPOINT \(name)", [])
            return result
        } catch {
            try connection.execute("ROLLBACK TO SAVEPOINT \(name)", [])
            try connection.execute("RELEASE SAVEPOINT \(name)", [])
            throw error
        }
    }

    // MARK: Day locks and revisions

    /// Locks the service days' rows until the transaction ends, in ascending date order (the one
    /// global lock order: days ascending, before any other row), and returns the proof of them.
    /// Every write operation takes the locks of the days it changes first, so two operations on
    /// the same day run one after the other and two on different days never wait in a cycle.
    /// (On SQLite the write transaction already holds the whole database.)
    /// The proof is what every setter that changes a day asks for.
    @discardableResult
    public func lockDays(_ days: [LocalDate]) throws -> LockedDays {
        for day in Set(days).sorted() {
            _ = try connection.query("SELECT revision FROM service_days WHERE day = ?\(dialect.lockRows)", [.text(day.description)])
        }
        return LockedDays(days: Set(days))
    }

    /// Locks the day's row if nobody holds it, without waiting (PostgreSQL `SKIP LOCKED`): the
    /// proof when this transaction holds it now, nil when another one does (on SQLite it always
    /// holds it: the write transaction holds the whole database). For work that may be done
    /// later instead of waiting for the day.
    public func tryLockDay(_ day: LocalDate) throws -> LockedDays? {
        let skip = dialect.lockRows.isEmpty ? "" : "\(dialect.lockRows) SKIP LOCKED"
        guard try !connection.query("SELECT revision FROM service_days WHERE day = ?\(skip)", [.text(day.description)]).isEmpty
        else { return nil }
        return LockedDays(days: [day])
    }

    /// The day's revision: a counter raised by every change that matters to a plan of the day
    /// (order states, locks, pins, windows, days of orders, absences, imports, published versions);
    /// nil when the day was never stored.
    public func revision(of day: LocalDate) throws -> Int? {
        try connection.query("SELECT revision FROM service_days WHERE day = ?", [.text(day.description)]).first?.int("revision")
    }

    /// Raises the revision of `day` (inside the store: every public setter checks the day's lock first).
    func bumpRevision(_ day: LocalDate) throws {
        raised.days.insert(day)
        try connection.execute("UPDATE service_days SET revision = revision + 1 WHERE day = ?", [.text(day.description)])
    }

    /// Raises the revision of the order's current service day, which `locked` must hold.
    func bumpRevision(ofOrder order: String, locked: LockedDays, _ what: @autoclosure () -> String) throws {
        guard let row = try connection.query("SELECT \(dialect.dateColumn("service_day")) FROM orders WHERE id = ?", [.text(order)]).first
        else { return }
        let day = try reader.date(row.text("service_day"))
        try locked.require(day, what())
        try bumpRevision(day)
    }

    /// Stores an agreed appointment: the order's service day and window, and when it was agreed.
    /// The order's day and `day` must be `locked`.
    public func setAppointment(_ order: String, day: LocalDate, window: TimeWindow, bookedAt: Instant, locked: LockedDays) throws {
        try locked.require(day, "the appointment of order \(order)")
        try bumpRevision(ofOrder: order, locked: locked, "the appointment of order \(order)")
        try bumpRevision(day)
        let instant = dialect.instantParameter
        try connection.execute(
            "UPDATE orders SET service_day = ?, window_start = \(instant), window_end = \(instant), booked_at = \(instant) WHERE id = ?",
            [.text(day.description), .instant(window.start), .instant(window.end), .instant(bookedAt), .text(order)])
    }

    /// Moves an order to another service day (the day must exist); both days must be `locked`.
    public func setServiceDay(_ order: String, _ day: LocalDate, locked: LockedDays) throws {
        try locked.require(day, "moving order \(order)")
        try bumpRevision(ofOrder: order, locked: locked, "moving order \(order)")
        try bumpRevision(day)
        try connection.execute("UPDATE orders SET service_day = ? WHERE id = ?", [.text(day.description), .text(order)])
    }

    /// Moves an order the nightly job carries on to the next day, compare-and-set: only while it
    /// is still on `from` without an appointment, a pin or a lock, new or scheduled. False (nothing
    /// changed) when it was booked, pinned or begun meanwhile.
    public func moveCarried(_ order: String, from: LocalDate, to day: LocalDate, locked: LockedDays) throws -> Bool {
        try locked.require(from, "carrying order \(order)")
        try locked.require(day, "carrying order \(order)")
        let moved = try connection.execute(
            """
            UPDATE orders SET service_day = ?
            WHERE id = ? AND service_day = ? AND window_start IS NULL AND pinned_technician_id IS NULL
              AND locked_technician_id IS NULL AND group_id IS NULL AND status IN ('new', 'scheduled')
            """, [.text(day.description), .text(order), .text(from.description)])
        guard moved == 1 else { return false }
        try bumpRevision(from)
        try bumpRevision(day)
        return true
    }

    /// Sets or clears a dispatcher's pin (technician, and start when given).
    public func setPin(_ order: String, _ pin: Pin?, locked: LockedDays) throws {
        try bumpRevision(ofOrder: order, locked: locked, "the pin of order \(order)")
        try connection.execute(
            "UPDATE orders SET pinned_technician_id = ?, pinned_start = \(dialect.instantParameter) WHERE id = ?",
            [.optional(pin?.technicianID), .optional(pin?.start), .text(order)])
    }

    /// Sets or clears the lock of a notified visit (technician and start).
    public func setLock(_ order: String, _ lock: Lock?, locked: LockedDays) throws {
        try bumpRevision(ofOrder: order, locked: locked, "the lock of order \(order)")
        try connection.execute(
            "UPDATE orders SET locked_technician_id = ?, locked_start = \(dialect.instantParameter) WHERE id = ?",
            [.optional(lock?.technicianID), .optional(lock?.start), .text(order)])
    }

    /// Stores the repair deadline clock's pause: total seconds paused, and since when it is paused now.
    public func setDeadlinePause(_ order: String, pausedSeconds: Int, since: Instant?) throws {
        try connection.execute(
            "UPDATE orders SET deadline_paused_seconds = ?, deadline_paused_since = \(dialect.instantParameter) WHERE id = ?",
            [.integer(pausedSeconds), .optional(since), .text(order)])
    }

    /// Records the technician absent on `day`; returns false when already recorded.
    @discardableResult
    /// With `fromMinute` (a local minute of the day) the technician is absent from then on: their
    /// shift ends there; without it, the whole day.
    public func recordAbsence(
        technician: String, day: LocalDate, reason: String?, at: Instant, fromMinute: Int? = nil, locked: LockedDays
    ) throws -> Bool {
        try locked.require(day, "the absence of \(technician)")
        let recorded =
            try connection.execute(
                "INSERT INTO technician_absences (technician_id, day, reason, recorded_at, from_minute) VALUES (?, ?, ?, "
                    + "\(dialect.instantParameter), ?) ON CONFLICT (technician_id, day) DO NOTHING",
                [.text(technician), .text(day.description), .optional(reason), .instant(at), .optional(fromMinute)]) > 0
        if recorded { try bumpRevision(day) }
        return recorded
    }

    // MARK: Events

    /// Records a change in the order's history, and as an event of the feed.
    public func appendEvent(_ event: OrderEvent) throws {
        emit(EventType.state(event.to), subject: event.order, at: event.at, order: event.order) { zone in
            ["order": event.order.json, "state": event.to.rawValue.json, "change": event.json(in: zone)]
        }
        try connection.execute(
            "INSERT INTO order_events (order_id, at, actor, from_state, to_state, reason, side, details) VALUES (?, "
                + "\(dialect.instantParameter), ?, ?, ?, ?, ?, ?)",
            [
                .text(event.order), .instant(event.at), .text(event.actor), .text(event.from.rawValue), .text(event.to.rawValue),
                .optional(event.reason), .optional(event.side?.rawValue), .optional(event.details),
            ])
    }

    /// The order's transitions, oldest first.
    public func events(of order: String) throws -> [OrderEvent] {
        try events(where: "order_id = ? ORDER BY id", [.text(order)])
    }

    func events(where condition: String, _ parameters: [SQLValue]) throws -> [OrderEvent] {
        let sql = """
            SELECT order_id, \(dialect.instantColumn("at")), actor, from_state, to_state, reason, side, details
            FROM order_events WHERE \(condition)
            """
        return try connection.query(sql, parameters).map { row in
            let order = try row.text("order_id")
            return OrderEvent(
                order: order, at: Instant(secondsSinceEpoch: try row.int("at")), actor: try row.text("actor"),
                from: try reader.choice(row.text("from_state"), OrderState.self, "order_events.from_state of order \(order)"),
                to: try reader.choice(row.text("to_state"), OrderState.self, "order_events.to_state of order \(order)"),
                reason: try row.optionalText("reason"),
                side: try row.optionalText("side").map { try reader.choice($0, ReasonSide.self, "order_events.side of order \(order)") },
                details: try row.optionalText("details"))
        }
    }

    // MARK: Plans

    /// The latest stored version of the day's plan, or nil. With `lock`, the day is locked until
    /// the transaction ends, so no other publisher can allocate a version meanwhile.
    public func publishedPlan(on day: LocalDate, lock: Bool = false) throws -> PublishedPlan? {
        if lock { _ = try connection.query("SELECT day FROM service_days WHERE day = ?\(dialect.lockRows)", [.text(day.description)]) }
        let rows = try connection.query(
            "SELECT id, version, document, \(dialect.instantColumn("planned_for")) FROM plans WHERE day = ? ORDER BY version DESC LIMIT 1",
            [.text(day.description)])
        return try rows.first.map(plan)
    }

    /// One stored version of the day's plan, or nil.
    public func publishedVersion(on day: LocalDate, version: Int) throws -> PublishedPlan? {
        let rows = try connection.query(
            "SELECT id, version, document, \(dialect.instantColumn("planned_for")) FROM plans WHERE day = ? AND version = ?",
            [.text(day.description), .integer(version)])
        return try rows.first.map(plan)
    }

    /// The plan of a row of columns id, version, document, planned_for, with its visits.
    private func plan(_ row: SQLRow) throws -> PublishedPlan {
        let id = try row.int("id")
        let sql = """
            SELECT v.order_id, v.technician_id, \(dialect.instantColumn("v.starts_at")), \(dialect.instantColumn("v.ends_at")),
                   v.is_contact, o.group_id, d.notice_minutes
            FROM plan_visits v JOIN orders o ON o.id = v.order_id JOIN plans p ON p.id = v.plan_id
            JOIN service_days d ON d.day = p.day
            WHERE v.plan_id = ? ORDER BY v.starts_at, v.technician_id, v.order_id
            """
        let visits = try connection.query(sql, [.integer(id)]).map { try visit($0) }
        let unassigned = try connection.query(
            "SELECT order_id, code, reason FROM plan_unassigned WHERE plan_id = ? ORDER BY order_id", [.integer(id)]
        ).map { row in
            let code = try row.text("code")
            guard let known = UnassignedCode(rawValue: code) else {
                throw StoreError(.corruptValue, "plan_unassigned.code '\(code)' of plan \(id) is not a code")
            }
            return UnassignedOrder(order: try row.text("order_id"), code: known, reason: try row.text("reason"))
        }
        return PublishedPlan(
            version: try row.int("version"), document: try row.text("document"), visits: visits, unassigned: unassigned,
            plannedFor: Instant(secondsSinceEpoch: try row.int("planned_for")))
    }

    /// The visits of `orders` in the day's published plan (a targeted read for hot paths).
    public func publishedVisits(on day: LocalDate, orders: [String]) throws -> [PlannedVisit] {
        guard !orders.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: orders.count).joined(separator: ", ")
        let sql = """
            SELECT v.order_id, v.technician_id, \(dialect.instantColumn("v.starts_at")), \(dialect.instantColumn("v.ends_at")),
                   v.is_contact, o.group_id, d.notice_minutes
            FROM plan_visits v JOIN orders o ON o.id = v.order_id JOIN service_days d ON d.day = ?
            WHERE v.plan_id = (SELECT id FROM plans WHERE day = ? ORDER BY version DESC LIMIT 1) AND v.order_id IN (\(marks))
            ORDER BY v.starts_at, v.order_id
            """
        return try connection.query(sql, [.text(day.description), .text(day.description)] + orders.map { .text($0) }).map { try visit($0) }
    }

    /// The visits of one technician in the day's published plan, that plan's version and the
    /// day's time zone (nil when the day was never stored), in one read.
    public func publishedVisits(on day: LocalDate, technician: String) throws
        -> (zone: ServiceTimeZone?, version: Int?, visits: [PlannedVisit])
    {
        let sql = """
            SELECT d.timezone, p.version, v.order_id, v.technician_id, \(dialect.instantColumn("v.starts_at")),
                   \(dialect.instantColumn("v.ends_at")), v.is_contact, o.group_id, d.notice_minutes
            FROM service_days d
            LEFT JOIN plans p ON p.id = (SELECT id FROM plans WHERE day = d.day ORDER BY version DESC LIMIT 1)
            LEFT JOIN plan_visits v ON v.plan_id = p.id AND v.technician_id = ?
            LEFT JOIN orders o ON o.id = v.order_id
            WHERE d.day = ? ORDER BY v.starts_at, v.order_id
            """
        let rows = try connection.query(sql, [.text(technician), .text(day.description)])
        guard let first = rows.first else { return (nil, nil, []) }
        let visits = try rows.filter { try !$0.isNull("order_id") }.map { try visit($0) }
        return (ServiceTimeZone(identifier: try first.text("timezone")), try first.optionalInt("version"), visits)
    }

    /// Orders with one of the ids or in one of the groups, sorted by id.
    public func orders(ids: [String], groups: [String]) throws -> [StoredOrder] {
        guard !ids.isEmpty || !groups.isEmpty else { return [] }
        func marks(_ count: Int) -> String { Array(repeating: "?", count: max(1, count)).joined(separator: ", ") }
        return try reader.orders(
            where: "o.id IN (\(marks(ids.count))) OR o.group_id IN (\(marks(groups.count)))",
            (ids.isEmpty ? [.null] : ids.map { .text($0) }) + (groups.isEmpty ? [.null] : groups.map { .text($0) }))
    }

    /// The time zone of a stored service day.
    public func zone(of day: LocalDate) throws -> ServiceTimeZone? { try reader.serviceDayZone(day) }

    /// The day's VIP tiers (its policy's `vip_tiers`), nil when no day `day` is stored.
    public func vipTiers(on day: LocalDate) throws -> [CustomerTier]? { try reader.vipTiers(day) }

    /// A visit from the columns order_id, technician_id, starts_at, ends_at, is_contact, group_id
    /// and notice_minutes.
    func visit(_ row: SQLRow) throws -> PlannedVisit {
        let start = Instant(secondsSinceEpoch: try row.int("starts_at"))
        return PlannedVisit(
            order: try row.text("order_id"), technician: try row.text("technician_id"), start: start,
            end: Instant(secondsSinceEpoch: try row.int("ends_at")), noticeAt: start.adding(minutes: -(try row.int("notice_minutes"))),
            group: try row.optionalText("group_id"), contact: try row.bool("is_contact"))
    }

    /// Stores `plan` as the day's next version and returns it. `expected` is the version the
    /// plan was based on: when another version was published since, nothing is written and
    /// `StoreError.Kind.conflict` is thrown, so two publishers never interleave. The day must be `locked`.
    public func publish(
        _ plan: Plan, document: String, seed: UInt64, plannedFor: Instant, at: Instant,
        by actor: String, cause: String, expected: Int?, locked: LockedDays
    ) throws -> Int {
        // The version alone (the day's row locked): not the whole plan again.
        try locked.require(plan.date, "plan version of \(plan.date)")
        let current = try connection.query(
            "SELECT version FROM plans WHERE day = ? ORDER BY version DESC LIMIT 1", [.text(plan.date.description)]
        ).first.map { try $0.int("version") }
        if let expected, expected != (current ?? 0) {
            throw StoreError(.conflict, "the plan of \(plan.date) changed meanwhile (version \(current ?? 0), expected \(expected))")
        }
        let version = try PlanWriter(connection).save(plan, document: document, seed: seed, plannedFor: plannedFor, createdAt: at)
        try bumpRevision(plan.date)
        try connection.execute(
            "UPDATE plans SET published_by = ?, cause = ? WHERE day = ? AND version = ?",
            [.text(actor), .text(cause), .text(plan.date.description), .integer(version)])
        let counts = (visits: plan.visits.count, unassigned: plan.unassigned.count)
        emit(EventType.published, subject: plan.date.description, at: at, day: plan.date) { _ in
            [
                "day": plan.date.description.json, "version": version.json, "cause": cause.json, "by": actor.json,
                "visits": counts.visits.json, "unassigned": counts.unassigned.json,
            ]
        }
        return version
    }
}

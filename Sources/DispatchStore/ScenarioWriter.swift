import SchedulingCore

/// Writes a scenario as upserts, counting the rows that were new or different.
struct ScenarioWriter {
    let connection: any SQLConnection

    init(_ connection: any SQLConnection) { self.connection = connection }

    /// How a bound value is written: instants go through the dialect's conversion.
    enum Kind { case plain, instant }

    struct Column {
        let name: String
        let value: SQLValue
        let kind: Kind

        init(_ name: String, _ value: SQLValue, _ kind: Kind = .plain) {
            self.name = name
            self.value = value
            self.kind = kind
        }
    }

    /// INSERT … ON CONFLICT DO UPDATE that only touches a row when some column differs;
    /// returns 1 when the row was inserted or changed, 0 when it was already identical.
    /// `rules` gives, for some columns, the SQL expression of the updated value instead of the
    /// imported one (`excluded.NAME`), so an import can leave what the operation owns alone.
    @discardableResult
    func upsert(_ table: String, key: [String], _ columns: [Column], rules: [String: String] = [:]) throws -> Int {
        try upsert(table, key: key, rows: [columns], rules: rules)
    }

    /// Rows written at most by one statement (well under either backend's limit on parameters).
    static let rowsPerStatement = 100

    /// `upsert` of many rows (all with the same columns) in statements of `rowsPerStatement`
    /// rows; no two rows may have the same key.
    @discardableResult
    func upsert(_ table: String, key: [String], rows: [[Column]], rules: [String: String] = [:]) throws -> Int {
        var changed = 0
        for start in stride(from: 0, to: rows.count, by: Self.rowsPerStatement) {
            let chunk = rows[start..<min(rows.count, start + Self.rowsPerStatement)]
            changed += try connection.execute(
                upsertStatement(table, key: key, chunk.first!, rows: chunk.count, rules: rules),
                chunk.flatMap { $0.map(\.value) })
        }
        return changed
    }

    private func upsertStatement(_ table: String, key: [String], _ columns: [Column], rows: Int, rules: [String: String]) -> String {
        let dialect = connection.dialect
        let names = columns.map(\.name).joined(separator: ", ")
        let placeholders = "(" + columns.map { $0.kind == .instant ? dialect.instantParameter : "?" }.joined(separator: ", ") + ")"
        let updates = columns.filter { !key.contains($0.name) }.map(\.name)
        let values = Array(repeating: placeholders, count: rows).joined(separator: ", ")
        var sql = "INSERT INTO \(table) (\(names)) VALUES \(values) ON CONFLICT (\(key.joined(separator: ", ")))"
        if updates.isEmpty {
            sql += " DO NOTHING"
        } else {
            func value(_ name: String) -> String { rules[name] ?? "excluded.\(name)" }
            sql += " DO UPDATE SET " + updates.map { "\($0) = \(value($0))" }.joined(separator: ", ")
            sql += " WHERE " + updates.map { "\(table).\($0) \(dialect.isDistinctFrom) \(value($0))" }.joined(separator: " OR ")
        }
        return sql
    }

    /// Re-importing a day brings new orders and corrected details, but never undoes what the
    /// operation did: once an order has left `new`, its day and window (an appointment agreed
    /// with the customer) stay, and a lock (a notice sent) is never cleared by a file without one.
    static let orderRules: [String: String] = [
        "service_day": "CASE WHEN orders.status = 'new' THEN excluded.service_day ELSE orders.service_day END",
        "window_start": "CASE WHEN orders.status = 'new' THEN excluded.window_start ELSE orders.window_start END",
        "window_end": "CASE WHEN orders.status = 'new' THEN excluded.window_end ELSE orders.window_end END",
        "locked_technician_id": "COALESCE(excluded.locked_technician_id, orders.locked_technician_id)",
        "locked_start": "CASE WHEN excluded.locked_technician_id IS NULL THEN orders.locked_start ELSE excluded.locked_start END",
    ]

    /// Writes everything but the orders: the service day, crews and technicians.
    func writeHeader(_ scenario: Scenario) throws -> ImportSummary {
        var summary = ImportSummary()
        try writeServiceDay(scenario)
        if let calendar = scenario.calendar { summary.calendarChanged = try writeCalendar(calendar) }
        for crew in scenario.crews {
            summary.crews.total += 1
            summary.crews.changed += min(1, try writeCrew(crew))
        }
        for technician in scenario.technicians {
            summary.technicians.total += 1
            summary.technicians.changed += min(1, try writeTechnician(technician, day: scenario.date))
        }
        return summary
    }

    /// Writes one batch of a day's orders and their customers (orders of one file come in
    /// several batches; `customers` are the ids written by earlier batches, counted once).
    /// Stores a batch of orders (and their customers); returns the orders inserted or changed, and
    /// for each whether it existed before.
    @discardableResult
    func writeOrders(
        _ orders: [WorkOrder], day: LocalDate, into summary: inout ImportSummary, customers: inout Set<String>
    ) throws -> [(order: WorkOrder, existed: Bool)] {
        var batch: [String: Customer] = [:]
        for order in orders { batch[order.customer.id] = order.customer }
        let rows = batch.values.sorted { $0.id < $1.id }.map { customer in
            [
                Column("id", .text(customer.id)), Column("name", .optional(customer.name)),
                Column("tier", .text(customer.tier.rawValue)), Column("phone", .optional(customer.phone)),
            ]
        }
        summary.customers.changed += try upsert("customers", key: ["id"], rows: rows)
        for id in batch.keys where customers.insert(id).inserted { summary.customers.total += 1 }
        summary.orders.total += orders.count
        let ids = orders.map { SQLValue.text($0.id) }
        var existing = Set<String>()
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(ids.count, start + 500)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            for row in try connection.query("SELECT id FROM orders WHERE id IN (\(marks))", chunk) { existing.insert(try row.text("id")) }
        }
        let changed = try upsertReturningKeys("orders", key: "id", rows: orders.map { orderColumns($0, day: day) }, rules: Self.orderRules)
        summary.orders.changed += changed.count
        let byID = Dictionary(orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return changed.compactMap { id in byID[id].map { ($0, existing.contains(id)) } }
    }

    /// `upsert` of rows keyed by the one text column `key`: the keys of the rows inserted or changed.
    func upsertReturningKeys(_ table: String, key: String, rows: [[Column]], rules: [String: String] = [:]) throws -> [String] {
        var keys: [String] = []
        for start in stride(from: 0, to: rows.count, by: Self.rowsPerStatement) {
            let chunk = rows[start..<min(rows.count, start + Self.rowsPerStatement)]
            let sql = upsertStatement(table, key: [key], chunk.first!, rows: chunk.count, rules: rules) + " RETURNING \(key)"
            keys += try connection.query(sql, chunk.flatMap { $0.map(\.value) }).map { try $0.text(key) }
        }
        return keys
    }

    /// Replaces the day's road matrix with `legs` (none: straight lines), rows by key, and records
    /// its source; returns how many rows differ from those stored (0 when the same matrix is
    /// imported again).
    func writeLegs(_ legs: RoadLegs?, day: LocalDate, total: inout Int) throws -> Int {
        let key = SQLValue.text(day.description)
        // A file's matrix replaces whatever an engine gave the day before.
        try connection.execute("DELETE FROM travel_places WHERE day = ?", [key])
        try connection.execute("DELETE FROM travel_rows WHERE day = ?", [key])
        try newTravelStamp(day)
        var stored: [String: RoadLegs.Leg] = [:]
        for row in try connection.query("SELECT from_key, to_key, seconds, meters FROM travel_legs WHERE day = ?", [key]) {
            stored["\(try row.text("from_key"))\u{1}\(try row.text("to_key"))"] = RoadLegs.Leg(
                seconds: try row.int("seconds"), meters: try row.optionalInt("meters"))
        }
        var wanted: [String: RoadLegs.Row] = [:]
        for row in legs?.rows ?? [] where wanted["\(row.from)\u{1}\(row.to)"] == nil { wanted["\(row.from)\u{1}\(row.to)"] = row }
        total = wanted.count
        try connection.execute(
            "UPDATE service_days SET travel_source = ?, travel_fallback = ? WHERE day = ?",
            [legs.map { .text($0.source) } ?? .null, .integer(legs?.fallback == true ? 1 : 0), key])
        let changed = wanted.filter { stored[$0.key] != $0.value.leg }.count + stored.keys.filter { wanted[$0] == nil }.count
        guard changed > 0 else { return 0 }
        try connection.execute("DELETE FROM travel_legs WHERE day = ?", [key])
        try upsert(
            "travel_legs", key: ["day", "from_key", "to_key"],
            rows: wanted.values.map { row in
                [
                    Column("day", key), Column("from_key", .text(row.from)), Column("to_key", .text(row.to)),
                    Column("seconds", .integer(row.leg.seconds)), Column("meters", row.leg.meters.map { .integer($0) } ?? .null),
                ]
            })
        return changed
    }

    /// Marks a change to the day's legs: a new random `service_days.travel_stamp`, so no process
    /// reuses the legs it read before (`RoadLegsCache`).
    func newTravelStamp(_ day: LocalDate) throws {
        try connection.execute(
            "UPDATE service_days SET travel_stamp = ? WHERE day = ?", [.integer(Int.random(in: 1...Int.max)), .text(day.description)])
    }

    /// The routing engine stored for `day` (`service_days.travel_service`), before a new header replaces it.
    func storedService(_ day: LocalDate) throws -> String? {
        try connection.query("SELECT travel_service FROM service_days WHERE day = ?", [.text(day.description)]).first?.optionalText(
            "travel_service")
    }

    /// A day whose legs come from `service`: the legs fetched before are kept (a file names the
    /// engine, not the legs) unless the engine changed since (`previous`), which forgets them.
    /// Returns how many places' legs were forgotten; `total` is how many places' are kept.
    func keepLegs(of service: RoutingService, fallback: Bool, previous: String?, day: LocalDate, total: inout Int) throws -> Int {
        let key = SQLValue.text(day.description)
        var forgotten = 0
        if previous != service.stored {
            forgotten = try connection.execute("DELETE FROM travel_places WHERE day = ?", [key])
            try connection.execute("DELETE FROM travel_rows WHERE day = ?", [key])
            try connection.execute("DELETE FROM travel_legs WHERE day = ?", [key])
            try connection.execute("UPDATE service_days SET travel_source = NULL WHERE day = ?", [key])
            try newTravelStamp(day)
        }
        try connection.execute("UPDATE service_days SET travel_fallback = ? WHERE day = ?", [.integer(fallback ? 1 : 0), key])
        total = 0  // counted by the build, not the import
        return forgotten
    }

    func writeServiceDay(_ scenario: Scenario) throws {
        let policy = scenario.policy
        var hours: [String: Int] = [:]
        for (tier, value) in policy.repairDeadlineHours { hours[tier.rawValue] = value }
        try upsert(
            "service_days", key: ["day"],
            [
                Column("day", .text(scenario.date.description)),
                Column("name", .text(scenario.name)),
                Column("timezone", .text(scenario.timeZone.identifier)),
                Column("planned_at", .instant(scenario.now), .instant),
                Column("speed_kmh", .real(scenario.travel.speedKmh)),
                Column("road_factor", .real(scenario.travel.roadFactor)),
                Column("travel_day_parts", .text(JSONText.encode(scenario.travel.dayParts))),
                Column("travel_service", .optional(scenario.travel.service?.stored)),
                Column("notice_minutes", .integer(policy.noticeMinutes)),
                Column("sync_tolerance_minutes", .integer(policy.syncToleranceMinutes)),
                Column("repair_deadline_hours", .text(JSONText.encode(hours))),
                Column("vip_tiers", .text(JSONText.encode(policy.vipTiers.map(\.rawValue).sorted()))),
                Column("currency", .text(policy.currency)),
                Column("in_house_hour_cost_cents", .integer(policy.inHouseHourCost.cents)),
                Column("break_earliest_minute", .optional(policy.breakRule?.earliestStart.minutesAfterMidnight)),
                Column("break_latest_minute", .optional(policy.breakRule?.latestStart.minutesAfterMidnight)),
                Column("break_minutes", .optional(policy.breakRule?.minutes)),
            ])
    }

    func writeCrew(_ crew: Crew) throws -> Int {
        var changed = try upsert("crews", key: ["id"], [Column("id", .text(crew.id)), Column("name", .optional(crew.name))])
        guard let contract = crew.contract else {
            return changed + (try connection.execute("DELETE FROM crew_contracts WHERE crew_id = ?", [.text(crew.id)]))
        }
        var prices: [String: Int] = [:]
        for (type, money) in contract.prices { prices[type.rawValue] = money.cents }
        changed += try upsert(
            "crew_contracts", key: ["crew_id"],
            [
                Column("crew_id", .text(crew.id)),
                Column("valid_from", .text(contract.validFrom.description)),
                Column("valid_to", .text(contract.validTo.description)),
                Column("territories", .optional(contract.territories.map(JSONText.encode))),
                Column("work_types", .text(JSONText.encode(contract.workTypes.map(\.rawValue)))),
                Column("services", .text(JSONText.encode(contract.services.map(\.rawValue)))),
                Column("excluded_tiers", .text(JSONText.encode(contract.excludedTiers.map(\.rawValue)))),
                Column("max_orders_per_day", .optional(contract.maxOrdersPerDay)),
                Column("prices_cents", .text(JSONText.encode(prices))),
            ])
        return changed
    }

    /// Who the technician is (the `technicians` row, with the latest import's shift and places
    /// for views without a day) and how they work on `day` (its roster row and absence); no
    /// other day's roster is touched.
    func writeTechnician(_ technician: Technician, day: LocalDate) throws -> Int {
        let rostered = [
            Column("shift_start_minute", .integer(technician.shift.start.minutesAfterMidnight)),
            Column("shift_end_minute", .integer(technician.shift.end.minutesAfterMidnight)),
            Column("start_lat", .real(technician.startLocation.latitude)),
            Column("start_lon", .real(technician.startLocation.longitude)),
            Column("end_lat", .real(technician.endLocation.latitude)),
            Column("end_lon", .real(technician.endLocation.longitude)),
            Column("territories", .optional(technician.territories.map(JSONText.encode))),
        ]
        var changed = try upsert(
            "technicians", key: ["id"],
            [
                Column("id", .text(technician.id)),
                Column("name", .optional(technician.name)),
                Column("crew_id", .optional(technician.crewID)),
                Column("skills", .text(JSONText.encode(technician.skills))),
                Column("certified_until", .optional(technician.certifiedUntil?.description)),
            ] + rostered)
        changed += try upsert(
            "technician_days", key: ["technician_id", "day"],
            [Column("technician_id", .text(technician.id)), Column("day", .text(day.description))] + rostered)
        let absence: [SQLValue] = [.text(technician.id), .text(day.description)]
        if technician.absent {
            changed += try upsert(
                "technician_absences", key: ["technician_id", "day"],
                [Column("technician_id", absence[0]), Column("day", absence[1])])
        } else {
            changed += try connection.execute("DELETE FROM technician_absences WHERE technician_id = ? AND day = ?", absence)
        }
        return changed
    }

    func orderColumns(_ order: WorkOrder, day: LocalDate) -> [Column] {
        [
            Column("id", .text(order.id)),
            Column("service_day", .text(day.description)),
            Column("type", .text(order.type.rawValue)),
            Column("service", .text(order.service.rawValue)),
            Column("skills", .text(JSONText.encode(order.skills))),
            Column("customer_id", .text(order.customer.id)),
            Column("lat", .real(order.location.latitude)),
            Column("lon", .real(order.location.longitude)),
            Column("address", .optional(order.address)),
            Column("territory", .optional(order.territory)),
            Column("duration_minutes", .integer(order.durationMinutes)),
            Column("window_start", .optional(order.window?.start), .instant),
            Column("window_end", .optional(order.window?.end), .instant),
            Column("reported_at", .optional(order.reportedAt), .instant),
            Column("group_id", .optional(order.group)),
            Column("pinned_technician_id", .optional(order.pin?.technicianID)),
            Column("pinned_start", .optional(order.pin?.start), .instant),
            Column("locked_technician_id", .optional(order.lock?.technicianID)),
            Column("locked_start", .optional(order.lock?.start), .instant),
            Column("notes", .optional(order.notes)),
        ]
    }
}

extension SQLValue {
    static func optional(_ text: String?) -> SQLValue { text.map { .text($0) } ?? .null }
    static func optional(_ number: Int?) -> SQLValue { number.map { .integer($0) } ?? .null }
    static func optional(_ instant: Instant?) -> SQLValue { instant.map { .integer($0.secondsSinceEpoch) } ?? .null }
    static func instant(_ instant: Instant) -> SQLValue { .integer(instant.secondsSinceEpoch) }
}

import SchedulingCore

/// Reads stored rows back into the model; every list is returned sorted by id, the same on every backend.
struct ScenarioReader {
    let connection: any SQLConnection

    init(_ connection: any SQLConnection) { self.connection = connection }

    private var dialect: SQLDialect { connection.dialect }

    func serviceDayZone(_ day: LocalDate) throws -> ServiceTimeZone? {
        let rows = try connection.query("SELECT timezone FROM service_days WHERE day = ?", [.text(day.description)])
        guard let row = rows.first else { return nil }
        return try zone(row.text(0))
    }

    func scenario(on day: LocalDate) throws -> Scenario? {
        let sql = """
            SELECT name, timezone, \(dialect.instantColumn("planned_at")), speed_kmh, road_factor, notice_minutes,
                   sync_tolerance_minutes, repair_deadline_hours, vip_tiers,
                   break_earliest_minute, break_latest_minute, break_minutes
            FROM service_days WHERE day = ?
            """
        guard let row = try connection.query(sql, [.text(day.description)]).first else { return nil }
        var hours: [CustomerTier: Int] = [:]
        for (name, value) in try JSONText.intMap(row.text(7), column: "service_days.repair_deadline_hours") {
            hours[try choice(name, CustomerTier.self, "service_days.repair_deadline_hours")] = value
        }
        let vip = try JSONText.strings(row.text(8), column: "service_days.vip_tiers")
            .map { try choice($0, CustomerTier.self, "service_days.vip_tiers") }
        var breakRule: BreakPolicy?
        if let earliest = try row.optionalInt(9), let latest = try row.optionalInt(10), let minutes = try row.optionalInt(11) {
            breakRule = BreakPolicy(earliestStart: try time(earliest), latestStart: try time(latest), minutes: minutes)
        }
        let policy = Policy(
            noticeMinutes: try row.int(5), syncToleranceMinutes: try row.int(6), repairDeadlineHours: hours,
            breakRule: breakRule, vipTiers: Set(vip))
        return Scenario(
            name: try row.text(0), timeZone: try zone(row.text(1)), date: day,
            now: Instant(secondsSinceEpoch: try row.int(2)),
            travel: TravelModel(speedKmh: try row.double(3), roadFactor: try row.double(4)), policy: policy,
            crews: try crews(), technicians: try technicians(absentOn: day), orders: try orders(on: day).map(\.order))
    }

    func crews() throws -> [Crew] {
        let sql = """
            SELECT c.id, c.name, k.crew_id, \(dialect.dateColumn("k.valid_from")), \(dialect.dateColumn("k.valid_to")),
                   k.territories, k.work_types, k.services, k.excluded_tiers, k.max_orders_per_day, k.prices_cents
            FROM crews c LEFT JOIN crew_contracts k ON k.crew_id = c.id
            """
        return try connection.query(sql, []).map { row in
            var contract: Contract?
            if !row.isNull(2) {
                var prices: [WorkType: Money] = [:]
                for (name, cents) in try JSONText.intMap(row.text(10), column: "crew_contracts.prices_cents") {
                    prices[try choice(name, WorkType.self, "crew_contracts.prices_cents")] = Money(cents: cents)
                }
                contract = Contract(
                    validFrom: try date(row.text(3)), validTo: try date(row.text(4)),
                    territories: try row.optionalText(5).map { try JSONText.strings($0, column: "crew_contracts.territories") },
                    workTypes: try JSONText.strings(row.text(6), column: "crew_contracts.work_types")
                        .map { try choice($0, WorkType.self, "crew_contracts.work_types") },
                    services: try JSONText.strings(row.text(7), column: "crew_contracts.services")
                        .map { try choice($0, Service.self, "crew_contracts.services") },
                    excludedTiers: try JSONText.strings(row.text(8), column: "crew_contracts.excluded_tiers")
                        .map { try choice($0, CustomerTier.self, "crew_contracts.excluded_tiers") },
                    maxOrdersPerDay: try row.optionalInt(9), prices: prices)
            }
            return Crew(id: try row.text(0), name: row.optionalText(1), contract: contract)
        }.sorted { $0.id < $1.id }
    }

    /// Technicians with `absent` set from the absences of `day` (false for all when `day` is nil).
    func technicians(absentOn day: LocalDate?, id: String? = nil) throws -> [Technician] {
        var sql = """
            SELECT t.id, t.name, t.crew_id, t.skills, \(dialect.dateColumn("t.certified_until")), t.shift_start_minute,
                   t.shift_end_minute, t.start_lat, t.start_lon, t.end_lat, t.end_lon, t.territories, a.technician_id, a.from_minute
            FROM technicians t LEFT JOIN technician_absences a ON a.technician_id = t.id AND a.day = ?
            """
        var parameters: [SQLValue] = [.optional(day?.description)]
        if let id {
            sql += " WHERE t.id = ?"
            parameters.append(.text(id))
        }
        return try connection.query(sql, parameters).map { row in
            // Absent from a minute of the day on (fell ill after work began): the shift ends there.
            let leftAt = try row.optionalInt(13)
            return Technician(
                id: try row.text(0), name: row.optionalText(1), crewID: row.optionalText(2),
                skills: try JSONText.strings(row.text(3), column: "technicians.skills"),
                certifiedUntil: try row.optionalText(4).map(date),
                shift: Shift(start: try time(row.int(5)), end: try time(min(row.int(6), max(row.int(5), leftAt ?? Int.max)))),
                startLocation: GeoPoint(latitude: try row.double(7), longitude: try row.double(8)),
                endLocation: GeoPoint(latitude: try row.double(9), longitude: try row.double(10)),
                territories: try row.optionalText(11).map { try JSONText.strings($0, column: "technicians.territories") },
                absent: !row.isNull(12) && leftAt == nil)
        }.sorted { $0.id < $1.id }
    }

    func orders(on day: LocalDate) throws -> [StoredOrder] {
        try orders(where: "o.service_day = ?", [.text(day.description)])
    }

    /// Orders matching a condition on `o` (orders) and `c` (customers), sorted by id.
    func orders(where condition: String, _ parameters: [SQLValue]) throws -> [StoredOrder] {
        let sql = """
            SELECT o.id, o.type, o.service, o.skills, c.id, c.name, c.tier, c.phone, o.lat, o.lon, o.address,
                   o.territory, o.duration_minutes, \(dialect.instantColumn("o.window_start")),
                   \(dialect.instantColumn("o.window_end")), \(dialect.instantColumn("o.reported_at")), o.group_id,
                   o.pinned_technician_id, \(dialect.instantColumn("o.pinned_start")), o.locked_technician_id,
                   \(dialect.instantColumn("o.locked_start")), o.status, \(dialect.dateColumn("o.service_day")),
                   \(dialect.instantColumn("o.booked_at")), o.deadline_paused_seconds,
                   \(dialect.instantColumn("o.deadline_paused_since")), o.notes
            FROM orders o JOIN customers c ON c.id = o.customer_id
            WHERE \(condition)
            """
        return try connection.query(sql, parameters).map { row in
            let customer = Customer(
                id: try row.text(4), name: row.optionalText(5),
                tier: try choice(row.text(6), CustomerTier.self, "customers.tier"), phone: row.optionalText(7))
            var window: TimeWindow?
            if let start = try row.optionalInt(13), let end = try row.optionalInt(14) {
                window = TimeWindow(start: Instant(secondsSinceEpoch: start), end: Instant(secondsSinceEpoch: end))
            }
            let pin = try row.optionalText(17).map {
                Pin(technicianID: $0, start: try row.optionalInt(18).map(Instant.init(secondsSinceEpoch:)))
            }
            var lock: Lock?
            if let technician = row.optionalText(19), let start = try row.optionalInt(20) {
                lock = Lock(technicianID: technician, start: Instant(secondsSinceEpoch: start))
            }
            let paused = try row.int(24)
            let order = WorkOrder(
                id: try row.text(0), type: try choice(row.text(1), WorkType.self, "orders.type"),
                service: try choice(row.text(2), Service.self, "orders.service"),
                skills: try JSONText.strings(row.text(3), column: "orders.skills"), customer: customer,
                location: GeoPoint(latitude: try row.double(8), longitude: try row.double(9)),
                address: row.optionalText(10), territory: row.optionalText(11), durationMinutes: try row.int(12),
                window: window,
                reportedAt: try row.optionalInt(15).map { Instant(secondsSinceEpoch: $0 + paused) },
                group: row.optionalText(16), pin: pin, lock: lock, notes: row.optionalText(26))
            return StoredOrder(
                order: order, serviceDay: try date(row.text(22)), status: try row.text(21),
                bookedAt: try row.optionalInt(23).map(Instant.init(secondsSinceEpoch:)), deadlinePausedSeconds: paused,
                deadlinePausedSince: try row.optionalInt(25).map(Instant.init(secondsSinceEpoch:)))
        }.sorted { $0.order.id < $1.order.id }
    }

    func choice<T: RawRepresentable>(_ text: String, _ type: T.Type, _ column: String) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text) else { throw StoreError(.corruptValue, "\(column) holds unknown value '\(text)'") }
        return value
    }

    func date(_ text: String) throws -> LocalDate {
        guard let date = LocalDate(iso: text) else { throw StoreError(.corruptValue, "'\(text)' is not a date") }
        return date
    }

    private func time(_ minutes: Int) throws -> LocalTime {
        guard let time = LocalTime(minutesAfterMidnight: minutes) else {
            throw StoreError(.corruptValue, "\(minutes) is not a minute of the day")
        }
        return time
    }

    private func zone(_ identifier: String) throws -> ServiceTimeZone {
        guard let zone = ServiceTimeZone(identifier: identifier) else {
            throw StoreError(.corruptValue, "unknown time zone '\(identifier)' stored")
        }
        return zone
    }
}

import SchedulingCore

/// Reads stored rows back into the model; every list is returned sorted by id, the same on every backend.
struct ScenarioReader {
    let connection: any SQLConnection
    let legsCache: RoadLegsCache

    init(_ connection: any SQLConnection, legsCache: RoadLegsCache = .shared) {
        self.connection = connection
        self.legsCache = legsCache
    }

    var dialect: SQLDialect { connection.dialect }

    func serviceDayZone(_ day: LocalDate) throws -> ServiceTimeZone? {
        let rows = try connection.query("SELECT timezone FROM service_days WHERE day = ?", [.text(day.description)])
        guard let row = rows.first else { return nil }
        return try zone(row.text("timezone"))
    }

    /// The day's VIP tiers alone (a completion's callback channel), nil when no day `day` is stored.
    func vipTiers(_ day: LocalDate) throws -> [CustomerTier]? {
        guard let row = try connection.query("SELECT vip_tiers FROM service_days WHERE day = ?", [.text(day.description)]).first else {
            return nil
        }
        return try vipTiers(row, day)
    }

    /// The `vip_tiers` column of a `service_days` row.
    private func vipTiers(_ row: SQLRow, _ day: LocalDate) throws -> [CustomerTier] {
        try JSONText.strings(row.text("vip_tiers"), column: "service_days.vip_tiers of \(day)").map {
            try choice($0, CustomerTier.self, "service_days.vip_tiers of \(day)")
        }
    }

    func scenario(on day: LocalDate) throws -> Scenario? { try scenarioAndOrders(on: day)?.scenario }

    /// The day's scenario and its orders as stored (states, days, pauses), from one read of the orders.
    func scenarioAndOrders(on day: LocalDate) throws -> (scenario: Scenario, orders: [StoredOrder])? {
        let sql = """
            SELECT name, timezone, \(dialect.instantColumn("planned_at")), speed_kmh, road_factor, travel_day_parts,
                   travel_source, travel_fallback, travel_service, travel_stamp, notice_minutes,
                   sync_tolerance_minutes, repair_deadline_hours, vip_tiers, currency, in_house_hour_cost_cents,
                   break_earliest_minute, break_latest_minute, break_minutes
            FROM service_days WHERE day = ?
            """
        guard let row = try connection.query(sql, [.text(day.description)]).first else { return nil }
        var hours: [CustomerTier: Int] = [:]
        for (name, value) in try JSONText.intMap(row.text("repair_deadline_hours"), column: "service_days.repair_deadline_hours") {
            hours[try choice(name, CustomerTier.self, "service_days.repair_deadline_hours")] = value
        }
        let vip = try vipTiers(row, day)
        var breakRule: BreakPolicy?
        if let earliest = try row.optionalInt("break_earliest_minute"), let latest = try row.optionalInt("break_latest_minute"),
            let minutes = try row.optionalInt("break_minutes")
        {
            breakRule = BreakPolicy(earliestStart: try time(earliest), latestStart: try time(latest), minutes: minutes)
        }
        var policy = Policy(
            noticeMinutes: try row.int("notice_minutes"), syncToleranceMinutes: try row.int("sync_tolerance_minutes"),
            repairDeadlineHours: hours,
            breakRule: breakRule, vipTiers: Set(vip), currency: try row.text("currency"))
        policy.inHouseHourCost = Money(cents: try row.int("in_house_hour_cost_cents"))
        let technicians = try technicians(absentOn: day)
        let stored = try orders(on: day)
        let orders = stored.map(\.order)
        var travel = TravelModel(
            speedKmh: try row.double("speed_kmh"), roadFactor: try row.double("road_factor"),
            dayParts: try JSONText.dayParts(row.text("travel_day_parts"), column: "service_days.travel_day_parts"))
        let stamp = try row.int("travel_stamp")
        let fallback = try row.bool("travel_fallback")
        if let service = try Self.service(row, day: day) {
            travel.service = service
            travel.fallback = fallback
            if let source = try row.optionalText("travel_source") {
                let current = RoadLegs.places(technicians: technicians, orders: orders.map { ($0.id, $0.location) })
                let key = RoadLegsCache.Key(
                    day: day, stamp: stamp, source: source, fetched: true, fallback: fallback, places: RoadLegs.placesByKey(current))
                travel.legs = try legsCache.legs(key) { try fetchedLegs(on: day, source: source, places: current) }
            }
        } else if let source = try row.optionalText("travel_source") {
            let places = RoadLegs.places(technicians: technicians, orders: orders.map { ($0.id, $0.location) })
            let key = RoadLegsCache.Key(
                day: day, stamp: stamp, source: source, fetched: false, fallback: fallback, places: RoadLegs.placesByKey(places))
            travel.legs = try legsCache.legs(key) { try legs(on: day, source: source, fallback: fallback, places: places) }
        }
        let scenario = Scenario(
            name: try row.text("name"), timeZone: try zone(row.text("timezone")), date: day,
            now: Instant(secondsSinceEpoch: try row.int("planned_at")), travel: travel, policy: policy,
            crews: try crews(), technicians: technicians, orders: orders)
        return (scenario, stored)
    }

    /// The day's stored road matrix, each key at `places` (an order added since has none: its
    /// legs are driven in a straight line until the matrix is built again).
    func legs(on day: LocalDate, source: String, fallback: Bool, places: [(key: String, place: GeoPoint)]) throws -> RoadLegs {
        let rows = try connection.query(
            "SELECT from_key, to_key, seconds, meters FROM travel_legs WHERE day = ? ORDER BY from_key, to_key",
            [.text(day.description)]
        ).map { row in
            RoadLegs.Row(
                from: try row.text("from_key"), to: try row.text("to_key"),
                leg: RoadLegs.Leg(seconds: try row.int("seconds"), meters: try row.optionalInt("meters")))
        }
        return RoadLegs(source: source, fallback: fallback, rows: rows, places: RoadLegs.placesByKey(places))
    }

    /// `service_days.travel_service` of `row`: the day's routing engine, nil for none.
    static func service(_ row: SQLRow, day: LocalDate) throws -> RoutingService? {
        guard let stored = try row.optionalText("travel_service") else { return nil }
        guard let service = RoutingService(stored: stored) else {
            throw StoreError(.corruptValue, "service_days.travel_service of \(day) is '\(stored)', not a routing engine")
        }
        return service
    }

    /// Where each key of the day's legs was when they were fetched from a routing engine, and its
    /// column number in `travel_rows`.
    func travelPlaces(on day: LocalDate) throws -> [(key: String, index: Int, place: GeoPoint)] {
        try connection.query("SELECT key, idx, latitude, longitude FROM travel_places WHERE day = ? ORDER BY key", [.text(day.description)])
            .map { row in
                (
                    try row.text("key"), try row.int("idx"),
                    GeoPoint(latitude: try row.double("latitude"), longitude: try row.double("longitude"))
                )
            }
    }

    /// The legs fetched from the day's routing engine between the places of `places` that are
    /// still where they were when fetched (a place moved since has none until fetched again);
    /// nil when none is.
    func fetchedLegs(on day: LocalDate, source: String, places: [(key: String, place: GeoPoint)]) throws -> RoadLegs? {
        let current = RoadLegs.placesByKey(places)
        var valid: [String: GeoPoint] = [:]
        var byIndex: [Int: GeoPoint] = [:]
        for recorded in try travelPlaces(on: day) where current[recorded.key] == recorded.place {
            valid[recorded.key] = recorded.place
            byIndex[recorded.index] = recorded.place
        }
        guard !valid.isEmpty else { return nil }
        var builder = RoadLegs.Builder(places: valid)
        for row in try connection.query(
            "SELECT from_key, first_idx, seconds, meters FROM travel_rows WHERE day = ? ORDER BY from_key, first_idx",
            [.text(day.description)])
        {
            guard let from = valid[try row.text("from_key")] else { continue }
            let first = try row.int("first_idx")
            let seconds = Self.integers(try row.text("seconds"))
            let meters = Self.integers(try row.text("meters"))
            guard seconds.count == meters.count else {
                throw StoreError(
                    .corruptValue, "travel_rows of \(day) from \(try row.text("from_key")): seconds and meters differ in length")
            }
            for (offset, value) in seconds.enumerated() where value >= 0 {
                guard let to = byIndex[first + offset] else { continue }
                builder.set(from: from, to: to, RoadLegs.Leg(seconds: value, meters: meters[offset] >= 0 ? meters[offset] : nil))
            }
        }
        return RoadLegs(source: source, fallback: true, builder: builder)
    }

    /// "12,-1,7" as integers, quickly (a row of a 2,000-place day holds thousands).
    static func integers(_ text: String) -> [Int] {
        var values: [Int] = []
        var value = 0
        var negative = false
        var any = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: ","):
                values.append(negative ? -value : value)
                value = 0
                negative = false
                any = false
            case UInt8(ascii: "-"):
                negative = true
            default:
                value = value * 10 + Int(byte &- UInt8(ascii: "0"))
                any = true
            }
        }
        if any || negative { values.append(negative ? -value : value) }
        return values
    }

    func crews() throws -> [Crew] {
        let sql = """
            SELECT c.id, c.name, k.crew_id, \(dialect.dateColumn("k.valid_from")), \(dialect.dateColumn("k.valid_to")),
                   k.territories, k.work_types, k.services, k.excluded_tiers, k.max_orders_per_day, k.prices_cents
            FROM crews c LEFT JOIN crew_contracts k ON k.crew_id = c.id
            """
        return try connection.query(sql, []).map { row in
            var contract: Contract?
            if try !row.isNull("crew_id") {
                var prices: [WorkType: Money] = [:]
                for (name, cents) in try JSONText.intMap(row.text("prices_cents"), column: "crew_contracts.prices_cents") {
                    prices[try choice(name, WorkType.self, "crew_contracts.prices_cents")] = Money(cents: cents)
                }
                contract = Contract(
                    validFrom: try date(row.text("valid_from")), validTo: try date(row.text("valid_to")),
                    territories: try row.optionalText("territories").map { try JSONText.strings($0, column: "crew_contracts.territories") },
                    workTypes: try JSONText.strings(row.text("work_types"), column: "crew_contracts.work_types")
                        .map { try choice($0, WorkType.self, "crew_contracts.work_types") },
                    services: try JSONText.strings(row.text("services"), column: "crew_contracts.services")
                        .map { try choice($0, Service.self, "crew_contracts.services") },
                    excludedTiers: try JSONText.strings(row.text("excluded_tiers"), column: "crew_contracts.excluded_tiers")
                        .map { try choice($0, CustomerTier.self, "crew_contracts.excluded_tiers") },
                    maxOrdersPerDay: try row.optionalInt("max_orders_per_day"), prices: prices)
            }
            return Crew(id: try row.text("id"), name: try row.optionalText("name"), contract: contract)
        }.sorted { $0.id < $1.id }
    }

    /// The technicians on the roster of `day` with its shifts, places and territories, `absent`
    /// set from its absences. A day without a roster of its own (a later day not imported yet)
    /// takes the nearest earlier roster, else the nearest later one. With `day` nil: every
    /// technician as the latest import left them, none absent.
    func technicians(absentOn day: LocalDate?, id: String? = nil) throws -> [Technician] {
        let roster = try day.flatMap(rosterDay)
        let shift = roster == nil ? "t" : "r"
        var sql = """
            SELECT t.id, t.name, t.crew_id, t.skills, \(dialect.dateColumn("t.certified_until")), \(shift).shift_start_minute,
                   \(shift).shift_end_minute, \(shift).start_lat, \(shift).start_lon, \(shift).end_lat, \(shift).end_lon,
                   \(shift).territories, a.technician_id AS absent_id, a.from_minute
            FROM technicians t LEFT JOIN technician_absences a ON a.technician_id = t.id AND a.day = ?
            """
        var parameters: [SQLValue] = [.optional(day?.description)]
        if let roster {
            sql += " JOIN technician_days r ON r.technician_id = t.id AND r.day = ?"
            parameters.append(.text(roster.description))
        }
        if let id {
            sql += " WHERE t.id = ?"
            parameters.append(.text(id))
        }
        // On a day the calendar does not work, everyone is off.
        let worked = try day.map(works) ?? true
        return try connection.query(sql, parameters).map { row in
            // Absent from a minute of the day on (fell ill after work began): the shift ends there.
            let leftAt = try row.optionalInt("from_minute")
            return Technician(
                id: try row.text("id"), name: try row.optionalText("name"), crewID: try row.optionalText("crew_id"),
                skills: try JSONText.strings(row.text("skills"), column: "technicians.skills"),
                certifiedUntil: try row.optionalText("certified_until").map(date),
                shift: Shift(
                    start: try time(row.int("shift_start_minute")),
                    end: try time(
                        min(
                            row.int("shift_end_minute"),
                            max(row.int("shift_start_minute"), leftAt ?? Int.max)))),
                startLocation: GeoPoint(latitude: try row.double("start_lat"), longitude: try row.double("start_lon")),
                endLocation: GeoPoint(latitude: try row.double("end_lat"), longitude: try row.double("end_lon")),
                territories: try row.optionalText("territories").map { try JSONText.strings($0, column: "technicians.territories") },
                absent: try !worked || (!row.isNull("absent_id") && leftAt == nil))
        }.sorted { $0.id < $1.id }
    }

    /// The day whose roster `day` uses: itself when it has one, else the nearest earlier day
    /// with a roster, else the nearest later one; nil when no day has a roster.
    func rosterDay(for day: LocalDate) throws -> LocalDate? {
        let text = day.description
        for sql in [
            "SELECT \(dialect.dateColumn("day")) FROM technician_days WHERE day <= ? ORDER BY day DESC LIMIT 1",
            "SELECT \(dialect.dateColumn("day")) FROM technician_days WHERE day > ? ORDER BY day LIMIT 1",
        ] {
            if let found = try connection.query(sql, [.text(text)]).first?.optionalText("day") { return try date(found) }
        }
        return nil
    }

    func orders(on day: LocalDate) throws -> [StoredOrder] {
        try orders(where: "o.service_day = ?", [.text(day.description)])
    }

    /// Orders matching a condition on `o` (orders) and `c` (customers), sorted by id.
    func orders(where condition: String, _ parameters: [SQLValue]) throws -> [StoredOrder] {
        let sql = """
            SELECT o.id, o.type, o.service, o.skills, c.id AS customer_id, c.name AS customer_name, c.tier, c.phone, o.lat, o.lon,
                o.address,
                   o.territory, o.duration_minutes, \(dialect.instantColumn("o.window_start")),
                   \(dialect.instantColumn("o.window_end")), \(dialect.instantColumn("o.reported_at")), o.group_id,
                   o.pinned_technician_id, \(dialect.instantColumn("o.pinned_start")), o.locked_technician_id,
                   \(dialect.instantColumn("o.locked_start")), o.status, \(dialect.dateColumn("o.service_day")),
                   \(dialect.instantColumn("o.booked_at")), o.deadline_paused_seconds,
                   \(dialect.instantColumn("o.deadline_paused_since")), o.notes
            FROM orders o JOIN customers c ON c.id = o.customer_id
            WHERE \(condition)
            """
        // A day's orders share a few skill lists and one day: each parsed once.
        var skillLists: [String: [String]] = [:]
        var days: [String: LocalDate] = [:]
        return try connection.query(sql, parameters).map { row in
            let skillsText = try row.text("skills")
            let skills = try skillLists[skillsText] ?? JSONText.strings(skillsText, column: "orders.skills")
            skillLists[skillsText] = skills
            let dayText = try row.text("service_day")
            let serviceDay = try days[dayText] ?? date(dayText)
            days[dayText] = serviceDay
            let customer = Customer(
                id: try row.text("customer_id"), name: try row.optionalText("customer_name"),
                tier: try choice(row.text("tier"), CustomerTier.self, "customers.tier of customer \(try row.text("customer_id"))"),
                phone: try row.optionalText("phone"))
            var window: TimeWindow?
            if let start = try row.optionalInt("window_start"), let end = try row.optionalInt("window_end") {
                window = TimeWindow(start: Instant(secondsSinceEpoch: start), end: Instant(secondsSinceEpoch: end))
            }
            let pin = try row.optionalText("pinned_technician_id").map {
                Pin(technicianID: $0, start: try row.optionalInt("pinned_start").map(Instant.init(secondsSinceEpoch:)))
            }
            var lock: Lock?
            if let technician = try row.optionalText("locked_technician_id"), let start = try row.optionalInt("locked_start") {
                lock = Lock(technicianID: technician, start: Instant(secondsSinceEpoch: start))
            }
            let paused = try row.int("deadline_paused_seconds")
            let order = WorkOrder(
                id: try row.text("id"), type: try choice(row.text("type"), WorkType.self, "orders.type"),
                service: try choice(row.text("service"), Service.self, "orders.service"),
                skills: skills, customer: customer,
                location: GeoPoint(latitude: try row.double("lat"), longitude: try row.double("lon")),
                address: try row.optionalText("address"), territory: try row.optionalText("territory"),
                durationMinutes: try row.int("duration_minutes"),
                window: window,
                reportedAt: try row.optionalInt("reported_at").map { Instant(secondsSinceEpoch: $0 + paused) },
                group: try row.optionalText("group_id"), pin: pin, lock: lock, notes: try row.optionalText("notes"))
            return StoredOrder(
                order: order, serviceDay: serviceDay,
                state: try choice(row.text("status"), OrderState.self, "orders.status of order \(order.id)"),
                bookedAt: try row.optionalInt("booked_at").map(Instant.init(secondsSinceEpoch:)), deadlinePausedSeconds: paused,
                deadlinePausedSince: try row.optionalInt("deadline_paused_since").map(Instant.init(secondsSinceEpoch:)))
        }.sorted { $0.order.id < $1.order.id }
    }

    /// The stored text as a value of `type`; text it does not know is an error naming `column` and its row.
    /// `column` is worked out only for the error: it names the row, and every order row reads two.
    func choice<T: RawRepresentable>(_ text: String, _ type: T.Type, _ column: @autoclosure () throws -> String) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text) else { throw StoreError(.corruptValue, "\(try column()) holds unknown value '\(text)'") }
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

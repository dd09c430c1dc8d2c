import Foundation
import SchedulingCore
import Yams

/// Walks the YAML tree and builds the model, reporting into `diagnostics` as it goes.
struct ScenarioBuilder {
    let diagnostics: Diagnostics
    /// The scenario's zone, once read: date-times are checked against it.
    var zone: ServiceTimeZone?
    /// The checks across orders, ready once crews and technicians are read.
    var orderChecks: OrderChecks?

    /// `travel.file` of `model: matrix`, read once the orders and technicians are known.
    var matrixFile: MatrixSpec?
    /// A streamed file's header: the orders come later, so the matrix is checked after them.
    var defersMatrix = false

    init(_ diagnostics: Diagnostics) { self.diagnostics = diagnostics }

    static let topKeys: Set<String> = [
        "name", "timezone", "date", "now", "travel", "policy", "crews", "technicians", "orders", "expect", "calendar",
    ]

    mutating func build(_ root: Node) -> Scenario? {
        guard let top = FieldReader(root, path: "", allowed: Self.topKeys, diagnostics) else { return nil }
        let name = top.string("name", required: true)
        var zone: ServiceTimeZone? = .utc
        if let identifier = top.string("timezone") {
            zone = ServiceTimeZone(identifier: identifier)
            if zone == nil {
                diagnostics.report(top.values["timezone"], "timezone", "'\(identifier)' is not an IANA time zone name (e.g. Asia/Shanghai)")
            }
        }
        // With an unknown zone, offsets cannot be checked; the zone problem is reported instead.
        self.zone = zone
        let date = top.date("date", required: true)
        let now = top.instant("now", zone: zone)
        let travel = readTravel(top)
        let policy = readPolicy(top)
        let calendar = readCalendar(top)
        for (key, limit) in [("orders", InputLimits.orders), ("technicians", InputLimits.technicians)] where top.list(key).count > limit {
            diagnostics.report(top.values[key], key, "holds \(top.list(key).count) entries; at most \(limit) are accepted in one file")
        }
        let crews = top.list("crews").compactMap { readCrew($0.node, index: $0.index) }
        let technicians = top.list("technicians").compactMap { readTechnician($0.node, index: $0.index) }
        if top.value("orders") == nil, top.value("technicians") == nil {
            diagnostics.report(root, "", "the scenario has neither technicians nor orders")
        }
        let technicianIDs = CrossChecks(diagnostics: diagnostics).run(crews: top.list("crews"), technicians: top.list("technicians"))
        orderChecks = OrderChecks(diagnostics: diagnostics, technicianIDs: technicianIDs)
        let orders = top.list("orders").compactMap { readCheckedOrder($0.node, index: $0.index) }

        guard let name, let date, let zone else { return nil }
        var roads = travel ?? TravelModel()
        if let matrix = matrixFile, !defersMatrix {
            roads.legs = readMatrix(matrix, technicians: technicians.map(\.value), orders: orders.map { ($0.value.id, $0.value.location) })
        }
        return Scenario(
            name: name, timeZone: zone, date: date, now: now, travel: roads,
            policy: policy ?? Policy(), crews: crews.map(\.value), technicians: technicians.map(\.value),
            orders: orders.map(\.value), calendar: calendar)
    }

    /// `calendar: {weekdays: mon-fri, holidays: [2026-12-25, {date: 2027-01-01, name: New Year}]}`.
    func readCalendar(_ top: FieldReader) -> WorkingCalendar? {
        guard let calendar = top.object("calendar", allowed: ["weekdays", "holidays"]) else { return nil }
        var weekdays = Set(Weekday.allCases)
        if let text = calendar.string("weekdays") {
            guard let days = WorkingCalendar.weekdays(text) else {
                diagnostics.report(
                    calendar.values["weekdays"], "calendar.weekdays", "'\(text)' is not a list of weekdays (e.g. mon-fri or mon,tue,sat)")
                return nil
            }
            weekdays = days
        }
        var holidays: [LocalDate: String?] = [:]
        for item in calendar.list("holidays") {
            if let text = item.node.string {
                guard let day = LocalDate(iso: text) else {
                    diagnostics.report(item.node, "calendar.holidays[\(item.index)]", "'\(text)' is not a date of the form YYYY-MM-DD")
                    continue
                }
                holidays[day] = .some(nil)
            } else if let entry = FieldReader(
                item.node, path: "calendar.holidays[\(item.index)]", allowed: ["date", "name"], diagnostics),
                let day = entry.date("date", required: true)
            {
                holidays[day] = .some(entry.string("name"))
            }
        }
        return WorkingCalendar(weekdays: weekdays, holidays: holidays)
    }

    mutating func readTravel(_ top: FieldReader) -> TravelModel? {
        guard
            let travel = top.object(
                "travel",
                allowed: [
                    "model", "speed_kmh", "road_factor", "day_parts", "file", "fallback",
                    "url", "profile", "costing",
                ])
        else { return nil }
        let model = travel.string("model") ?? "haversine"
        let models = ["haversine", "matrix", "osrm", "valhalla", "pgrouting"]
        if !models.contains(model) {
            diagnostics.report(
                travel.values["model"], "travel.model", "'\(model)' is not a travel model (known: \(models.joined(separator: ", ")))")
        }
        let fallback = travel.string("fallback")
        if let fallback, fallback != "haversine" {
            diagnostics.report(travel.values["fallback"], "travel.fallback", "'\(fallback)' is not a fallback (known: haversine)")
        }
        if model == "matrix" {
            if let file = travel.string("file", required: true) {
                let node = travel.values["file"]
                matrixFile = MatrixSpec(
                    path: file, fallback: fallback == "haversine", line: diagnostics.line(of: node), column: node?.mark?.column)
            }
        } else if travel.values["file"] != nil {
            diagnostics.report(travel.values["file"], "travel.file", "a file is read only with model: matrix")
        }
        // Each key belongs to one model; elsewhere it would be silently ignored.
        for (key, owner) in [("url", ["osrm", "valhalla"]), ("profile", ["osrm"]), ("costing", ["valhalla"])]
        where travel.values[key] != nil && !owner.contains(model) {
            diagnostics.report(travel.values[key], "travel.\(key)", "is read only with model: \(owner.joined(separator: " or "))")
        }
        var service: RoutingService?
        switch model {
        case "osrm", "valhalla":
            if let url = travel.string("url", required: true) {
                if let parsed = URLComponents(string: url), ["http", "https"].contains(parsed.scheme ?? ""), !(parsed.host ?? "").isEmpty,
                    !url.contains(" ")
                {
                    let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
                    service =
                        model == "osrm"
                        ? .osrm(url: trimmed, profile: travel.string("profile") ?? "driving")
                        : .valhalla(url: trimmed, costing: travel.string("costing") ?? "auto")
                } else {
                    diagnostics.report(travel.values["url"], "travel.url", "'\(url)' is not an http(s) URL such as http://router:5000")
                }
            }
            for key in ["profile", "costing"] {
                if let word = travel.string(key),
                    word.isEmpty || word.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
                {
                    diagnostics.report(travel.values[key], "travel.\(key)", "'\(word)' is not a name of letters, digits, _ and -")
                }
            }
        case "pgrouting":
            service = .pgrouting
        default:
            break
        }
        var result = TravelModel()
        if let speed = travel.double("speed_kmh", range: 0.1...1000) { result.speedKmh = speed }
        if let factor = travel.double("road_factor", range: 1...10) { result.roadFactor = factor }
        result.dayParts = readDayParts(travel)
        result.service = service
        result.fallback = service != nil && fallback == "haversine"
        return result
    }

    /// `travel.day_parts`: `{start: "07:00", end: "09:30", factor: 1.6}` each, in order, not overlapping.
    func readDayParts(_ travel: FieldReader) -> [DayPart] {
        var parts: [DayPart] = []
        for (index, node) in travel.list("day_parts") {
            let path = "travel.day_parts[\(index)]"
            guard let part = FieldReader(node, path: path, allowed: ["start", "end", "factor"], diagnostics),
                let start = part.time("start", required: true), let end = part.time("end", required: true),
                let factor = part.double("factor", required: true, range: 0.1...10)
            else { continue }
            guard start < end else {
                diagnostics.report(part.values["end"] ?? node, "\(path).end", "the part ends at \(end), not after its start \(start)")
                continue
            }
            if let previous = parts.last, start < previous.end {
                diagnostics.report(
                    part.values["start"] ?? node, "\(path).start",
                    "the part starts at \(start), before the part before it ends (\(previous.end)): list them in order, not overlapping")
                continue
            }
            parts.append(DayPart(start: start, end: end, factor: factor))
        }
        return parts
    }

    func readPolicy(_ top: FieldReader) -> Policy? {
        let allowed: Set<String> = [
            "notice_minutes", "sync_tolerance_minutes", "repair_deadline_hours", "break", "vip_tiers", "currency", "in_house_hour_cost",
        ]
        guard let reader = top.object("policy", allowed: allowed) else { return nil }
        var policy = Policy()
        if let notice = reader.int("notice_minutes", range: 0...1440) { policy.noticeMinutes = notice }
        if let tolerance = reader.int("sync_tolerance_minutes", range: 0...240) { policy.syncToleranceMinutes = tolerance }
        if let hours = reader.value("repair_deadline_hours") {
            if case .mapping(let mapping) = hours {
                for (key, value) in mapping {
                    let field = "policy.repair_deadline_hours.\(key.scalar?.string ?? "?")"
                    guard let tierName = key.scalar?.string,
                        let tier = FieldReader.parseChoice(tierName, CustomerTier.self, node: key, field: field, diagnostics)
                    else { continue }
                    guard value.isTagged(.int), let number = value.int, number > 0 else {
                        diagnostics.report(value, field, "expected a positive whole number of hours, found \(value.valueDescription)")
                        continue
                    }
                    policy.repairDeadlineHours[tier] = number
                }
            } else {
                diagnostics.report(
                    hours, "policy.repair_deadline_hours", "expected a mapping of tier to hours, found \(hours.kindDescription)")
            }
        }
        if reader.isExplicitNull("break") {
            policy.breakRule = nil
        } else if let rule = reader.object("break", allowed: ["earliest", "latest", "minutes"]) {
            let earliest = rule.time("earliest") ?? BreakPolicy.standard.earliestStart
            let latest = rule.time("latest") ?? BreakPolicy.standard.latestStart
            let minutes = rule.int("minutes", range: 1...480) ?? BreakPolicy.standard.minutes
            if latest < earliest {
                diagnostics.report(
                    rule.values["latest"] ?? rule.node, "policy.break.latest",
                    "the latest break start \(latest) is before the earliest \(earliest)")
            }
            policy.breakRule = BreakPolicy(earliestStart: earliest, latestStart: latest, minutes: minutes)
        }
        if let tiers = reader.choices("vip_tiers", as: CustomerTier.self) { policy.vipTiers = Set(tiers) }
        if let currency = reader.string("currency") {
            if currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) {
                policy.currency = currency
            } else {
                diagnostics.report(
                    reader.values["currency"], "policy.currency",
                    "expected an ISO 4217 code of three capital letters such as CNY or EUR, found '\(currency)'")
            }
        }
        if let node = reader.values["in_house_hour_cost"] {
            if let cost = Self.money(node), cost.cents <= 100_000_000 {
                policy.inHouseHourCost = cost
            } else {
                diagnostics.report(
                    node, "policy.in_house_hour_cost",
                    "expected what an in-house working hour costs, 0 to 1000000 with at most 2 decimals, found \(node.valueDescription)")
            }
        }
        return policy
    }
}

/// A model value with where it was declared in the file.
struct Located<Value> {
    let value: Value
    let node: Node
    let path: String
}

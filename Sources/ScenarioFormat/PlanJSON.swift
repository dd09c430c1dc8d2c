import Foundation
import SchedulingCore

/// The plan JSON of docs/formats.md: written by `dispatch plan`, read by `dispatch check`.
///
/// Keys are sorted so that the same plan is always the same bytes.
public enum PlanJSON {
    /// With `basis` (a proposal written by `dispatch plan --date D --out FILE`), the plan also
    /// says what it was computed from, for `dispatch plans publish` to rebase it.
    public static func encode(_ plan: Plan, zone: ServiceTimeZone, basis: PlanBasis? = nil) throws -> String {
        let time = zone.rfc3339
        let visits: [JSONValue] = plan.visits.map { visit in
            [
                "order": visit.order.json, "technician": visit.technician.json, "start": time(visit.start).json,
                "end": time(visit.end).json, "notice_at": time(visit.noticeAt).json, "contact": visit.contact.json,
                "group": visit.group.json,
            ]
        }
        let routes: [JSONValue] = plan.routes.map { route in
            [
                "technician": route.technician.json, "depart": time(route.depart).json, "return": time(route.returnAt).json,
                "orders": route.orders.json, "travel_minutes": route.travelMinutes.json,
                "break_start": route.breakStart.map(time).json,
            ]
        }
        let unassigned: [JSONValue] = plan.unassigned.map {
            ["order": $0.order.json, "code": $0.code.rawValue.json, "reason": $0.reason.json]
        }
        let kpis: JSONValue = [
            "orders": plan.kpis.orders.json, "assigned": plan.kpis.assigned.json, "travel_minutes": plan.kpis.travelMinutes.json,
            "outsourced_orders": plan.kpis.outsourcedOrders.json, "outsourced_cost": plan.kpis.outsourcedCost.json,
            "late_repairs": plan.kpis.lateRepairs.json,
        ]
        var document: [String: JSONValue] = [
            "scenario": plan.scenario.json, "date": plan.date.description.json, "visits": .array(visits), "routes": .array(routes),
            "unassigned": .array(unassigned), "kpis": kpis,
        ]
        if !plan.warnings.isEmpty { document["warnings"] = plan.warnings.json }
        if let basis {
            document["basis"] = ["version": (basis.version ?? 0).json, "revision": (basis.revision ?? 0).json, "seed": basis.seed.json]
        }
        return JSONValue.object(document).text(pretty: true)
    }

    /// Reads a plan; throws `ScenarioRejected` naming the file and the field that is wrong.
    public static func decode(_ data: Data, file: String) throws -> Plan {
        var problems: [ScenarioProblem] = []
        func problem(_ field: String, _ message: String) {
            problems.append(ScenarioProblem(file: file, line: nil, column: nil, field: field, message: message))
        }
        guard let root = (try? JSONValue(parsing: data))?.object else {
            throw ScenarioRejected(problems: [ScenarioProblem(file: file, line: nil, column: nil, field: "", message: "not a JSON object")])
        }
        func text(_ object: [String: JSONValue], _ key: String, _ path: String) -> String? {
            guard let value = object[key]?.string else {
                problem("\(path).\(key)", "expected text")
                return nil
            }
            return value
        }
        func instant(_ object: [String: JSONValue], _ key: String, _ path: String) -> Instant? {
            guard let value = text(object, key, path) else { return nil }
            guard let parsed = parseRFC3339(value) else {
                problem("\(path).\(key)", "'\(value)' is not a date-time with an offset")
                return nil
            }
            return parsed
        }
        func int(_ object: [String: JSONValue], _ key: String, _ path: String) -> Int? {
            guard let value = object[key]?.int else {
                problem("\(path).\(key)", "expected a number")
                return nil
            }
            return value
        }
        func list(_ key: String) -> [[String: JSONValue]] {
            let items = root[key]?.array ?? []
            let objects = items.compactMap(\.object)
            guard root[key]?.array != nil, objects.count == items.count else {
                problem(key, "expected a list of objects")
                return []
            }
            return objects
        }
        let name = text(root, "scenario", "plan") ?? ""
        let date = text(root, "date", "plan").flatMap(LocalDate.init(iso:))
        var visits: [PlannedVisit] = []
        for (index, object) in list("visits").enumerated() {
            let path = "visits[\(index)]"
            guard let order = text(object, "order", path), let technician = text(object, "technician", path),
                let start = instant(object, "start", path), let end = instant(object, "end", path)
            else { continue }
            let notice = instant(object, "notice_at", path) ?? start
            visits.append(
                PlannedVisit(
                    order: order, technician: technician, start: start, end: end, noticeAt: notice,
                    group: object["group"]?.string, contact: object["contact"]?.bool ?? false))
        }
        var routes: [PlannedRoute] = []
        for (index, object) in list("routes").enumerated() {
            let path = "routes[\(index)]"
            guard let technician = text(object, "technician", path), let depart = instant(object, "depart", path),
                let back = instant(object, "return", path)
            else { continue }
            let breakStart = object["break_start"]?.string.flatMap(parseRFC3339)
            routes.append(
                PlannedRoute(
                    technician: technician, depart: depart, returnAt: back,
                    orders: object["orders"]?.strings ?? [], breakStart: breakStart,
                    travelMinutes: int(object, "travel_minutes", path) ?? 0))
        }
        var unassigned: [UnassignedOrder] = []
        for (index, object) in list("unassigned").enumerated() {
            let path = "unassigned[\(index)]"
            guard let order = text(object, "order", path), let codeText = text(object, "code", path) else { continue }
            guard let code = UnassignedCode(rawValue: codeText) else {
                problem("\(path).code", "'\(codeText)' is not an unassigned code")
                continue
            }
            unassigned.append(UnassignedOrder(order: order, code: code, reason: object["reason"]?.string ?? ""))
        }
        let kpiObject = root["kpis"]?.object ?? [:]
        let cost = kpiObject["outsourced_cost"]?.double.map { Int(($0 * 100).rounded()) } ?? 0
        let kpis = PlanKPIs(
            orders: int(kpiObject, "orders", "kpis") ?? 0, assigned: int(kpiObject, "assigned", "kpis") ?? 0,
            travelMinutes: int(kpiObject, "travel_minutes", "kpis") ?? 0,
            outsourcedOrders: int(kpiObject, "outsourced_orders", "kpis") ?? 0, outsourcedCost: Money(cents: cost),
            lateRepairs: int(kpiObject, "late_repairs", "kpis") ?? 0)
        guard problems.isEmpty, let date else {
            if date == nil { problem("date", "expected a date YYYY-MM-DD") }
            throw ScenarioRejected(problems: problems)
        }
        return Plan(
            scenario: name, date: date, visits: visits, routes: routes, unassigned: unassigned, kpis: kpis,
            warnings: root["warnings"]?.strings ?? [])
    }
}

/// What a proposal was computed from: the day's published version (0: none) and revision, and
/// the seed; the plan JSON's optional `basis` object.
public struct PlanBasis: Codable, Equatable, Sendable {
    public var version: Int?
    public var revision: Int?
    public var seed: UInt64

    public init(version: Int?, revision: Int?, seed: UInt64) {
        self.version = version
        self.revision = revision
        self.seed = seed
    }

    /// The `basis` of a plan JSON document, nil when it has none; throws naming the file when
    /// it is there and malformed.
    public static func of(_ data: Data, file: String) throws -> PlanBasis? {
        struct Envelope: Decodable { let basis: PlanBasis? }
        do {
            return try JSONDecoder().decode(Envelope.self, from: data).basis
        } catch {
            throw ScenarioRejected(problems: [
                ScenarioProblem(
                    file: file, line: nil, column: nil, field: "basis",
                    message: "expected {\"version\": N, \"revision\": N, \"seed\": N} as written by dispatch plan --out")
            ])
        }
    }
}

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
        let visits: [[String: Any]] = plan.visits.map { visit in
            var object: [String: Any] = [
                "order": visit.order, "technician": visit.technician, "start": time(visit.start), "end": time(visit.end),
                "notice_at": time(visit.noticeAt), "contact": visit.contact,
            ]
            object["group"] = visit.group ?? NSNull()
            return object
        }
        let routes: [[String: Any]] = plan.routes.map { route in
            var object: [String: Any] = [
                "technician": route.technician, "depart": time(route.depart), "return": time(route.returnAt),
                "orders": route.orders, "travel_minutes": route.travelMinutes,
            ]
            object["break_start"] = route.breakStart.map(time) ?? NSNull()
            return object
        }
        let unassigned: [[String: Any]] = plan.unassigned.map {
            ["order": $0.order, "code": $0.code.rawValue, "reason": $0.reason]
        }
        let kpis: [String: Any] = [
            "orders": plan.kpis.orders, "assigned": plan.kpis.assigned, "travel_minutes": plan.kpis.travelMinutes,
            "outsourced_orders": plan.kpis.outsourcedOrders,
            "outsourced_cost": NSDecimalNumber(string: plan.kpis.outsourcedCost.description),
            "late_repairs": plan.kpis.lateRepairs,
        ]
        var document: [String: Any] = [
            "scenario": plan.scenario, "date": plan.date.description, "visits": visits, "routes": routes,
            "unassigned": unassigned, "kpis": kpis,
        ]
        if !plan.warnings.isEmpty { document["warnings"] = plan.warnings }
        if let basis {
            document["basis"] = ["version": basis.version ?? 0, "revision": basis.revision ?? 0, "seed": NSNumber(value: basis.seed)]
        }
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a plan; throws `ScenarioRejected` naming the file and the field that is wrong.
    public static func decode(_ data: Data, file: String) throws -> Plan {
        var problems: [ScenarioProblem] = []
        func problem(_ field: String, _ message: String) {
            problems.append(ScenarioProblem(file: file, line: nil, column: nil, field: field, message: message))
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ScenarioRejected(problems: [ScenarioProblem(file: file, line: nil, column: nil, field: "", message: "not a JSON object")])
        }
        func text(_ object: [String: Any], _ key: String, _ path: String) -> String? {
            guard let value = object[key] as? String else {
                problem("\(path).\(key)", "expected text")
                return nil
            }
            return value
        }
        func instant(_ object: [String: Any], _ key: String, _ path: String) -> Instant? {
            guard let value = text(object, key, path) else { return nil }
            guard let parsed = parseRFC3339(value) else {
                problem("\(path).\(key)", "'\(value)' is not a date-time with an offset")
                return nil
            }
            return parsed
        }
        func int(_ object: [String: Any], _ key: String, _ path: String) -> Int? {
            guard let value = object[key] as? NSNumber else {
                problem("\(path).\(key)", "expected a number")
                return nil
            }
            return value.intValue
        }
        func list(_ key: String) -> [[String: Any]] {
            guard let value = root[key] as? [[String: Any]] else {
                problem(key, "expected a list of objects")
                return []
            }
            return value
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
                    group: object["group"] as? String, contact: (object["contact"] as? Bool) ?? false))
        }
        var routes: [PlannedRoute] = []
        for (index, object) in list("routes").enumerated() {
            let path = "routes[\(index)]"
            guard let technician = text(object, "technician", path), let depart = instant(object, "depart", path),
                let back = instant(object, "return", path)
            else { continue }
            let breakStart = (object["break_start"] as? String).flatMap(parseRFC3339)
            routes.append(
                PlannedRoute(
                    technician: technician, depart: depart, returnAt: back,
                    orders: (object["orders"] as? [String]) ?? [], breakStart: breakStart,
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
            unassigned.append(UnassignedOrder(order: order, code: code, reason: (object["reason"] as? String) ?? ""))
        }
        let kpiObject = root["kpis"] as? [String: Any] ?? [:]
        let cost = (kpiObject["outsourced_cost"] as? NSNumber).map { Int(($0.doubleValue * 100).rounded()) } ?? 0
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
            warnings: (root["warnings"] as? [String]) ?? [])
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

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
        guard let root = try? JSONDecoder().decode(Wire.Plan.self, from: data) else {
            throw ScenarioRejected(problems: [ScenarioProblem(file: file, line: nil, column: nil, field: "", message: "not a JSON object")])
        }
        func text(_ field: Wire.Field<String>?, _ key: String, _ path: String) -> String? {
            guard let value = field?.value else {
                problem("\(path).\(key)", "expected text")
                return nil
            }
            return value
        }
        func instant(_ field: Wire.Field<String>?, _ key: String, _ path: String) -> Instant? {
            guard let value = text(field, key, path) else { return nil }
            guard let parsed = parseRFC3339(value) else {
                problem("\(path).\(key)", "'\(value)' is not a date-time with an offset")
                return nil
            }
            return parsed
        }
        func int(_ field: Wire.Field<Double>?, _ key: String, _ path: String) -> Int? {
            guard let value = field?.value, value.isFinite, abs(value) < 9e15 else {
                problem("\(path).\(key)", "expected a number")
                return nil
            }
            return Int(value)
        }
        func list<T>(_ field: Wire.Field<[Wire.Field<T>]>?, _ key: String) -> [T] {
            let items = field?.value ?? []
            let objects = items.compactMap(\.value)
            guard field?.value != nil, objects.count == items.count else {
                problem(key, "expected a list of objects")
                return []
            }
            return objects
        }
        let name = text(root.scenario, "scenario", "plan") ?? ""
        let date = text(root.date, "date", "plan").flatMap(LocalDate.init(iso:))
        var visits: [PlannedVisit] = []
        for (index, object) in list(root.visits, "visits").enumerated() {
            let path = "visits[\(index)]"
            guard let order = text(object.order, "order", path), let technician = text(object.technician, "technician", path),
                let start = instant(object.start, "start", path), let end = instant(object.end, "end", path)
            else { continue }
            let notice = instant(object.noticeAt, "notice_at", path) ?? start
            visits.append(
                PlannedVisit(
                    order: order, technician: technician, start: start, end: end, noticeAt: notice,
                    group: object.group?.value, contact: object.contact?.value ?? false))
        }
        var routes: [PlannedRoute] = []
        for (index, object) in list(root.routes, "routes").enumerated() {
            let path = "routes[\(index)]"
            guard let technician = text(object.technician, "technician", path), let depart = instant(object.depart, "depart", path),
                let back = instant(object.returnAt, "return", path)
            else { continue }
            routes.append(
                PlannedRoute(
                    technician: technician, depart: depart, returnAt: back, orders: object.orders?.value ?? [],
                    breakStart: object.breakStart?.value.flatMap(parseRFC3339),
                    travelMinutes: int(object.travelMinutes, "travel_minutes", path) ?? 0))
        }
        var unassigned: [UnassignedOrder] = []
        for (index, object) in list(root.unassigned, "unassigned").enumerated() {
            let path = "unassigned[\(index)]"
            guard let order = text(object.order, "order", path), let codeText = text(object.code, "code", path) else { continue }
            guard let code = UnassignedCode(rawValue: codeText) else {
                problem("\(path).code", "'\(codeText)' is not an unassigned code")
                continue
            }
            unassigned.append(UnassignedOrder(order: order, code: code, reason: object.reason?.value ?? ""))
        }
        let figures = root.kpis?.value ?? Wire.KPIs()
        let cost = figures.outsourcedCost?.value.map { Int(($0 * 100).rounded()) } ?? 0
        let kpis = PlanKPIs(
            orders: int(figures.orders, "orders", "kpis") ?? 0, assigned: int(figures.assigned, "assigned", "kpis") ?? 0,
            travelMinutes: int(figures.travelMinutes, "travel_minutes", "kpis") ?? 0,
            outsourcedOrders: int(figures.outsourcedOrders, "outsourced_orders", "kpis") ?? 0, outsourcedCost: Money(cents: cost),
            lateRepairs: int(figures.lateRepairs, "late_repairs", "kpis") ?? 0)
        guard problems.isEmpty, let date else {
            if date == nil { problem("date", "expected a date YYYY-MM-DD") }
            throw ScenarioRejected(problems: problems)
        }
        return Plan(
            scenario: name, date: date, visits: visits, routes: routes, unassigned: unassigned, kpis: kpis,
            warnings: root.warnings?.value ?? [])
    }

    /// The plan document as it is read: every field optional and typed, a field of another type
    /// kept as `wrong` so the reader can name it (a typed decoder, not a general JSON value: a
    /// 2,000-visit plan is read in milliseconds).
    enum Wire {
        enum Field<T: Decodable>: Decodable {
            case some(T)
            case wrong

            init(from decoder: Decoder) throws {
                let container = try decoder.singleValueContainer()
                self = (try? container.decode(T.self)).map(Field.some) ?? .wrong
            }

            var value: T? {
                if case .some(let value) = self { return value }
                return nil
            }
        }

        struct Plan: Decodable {
            var scenario, date: Field<String>?
            var visits: Field<[Field<Visit>]>?
            var routes: Field<[Field<Route>]>?
            var unassigned: Field<[Field<Unassigned>]>?
            var kpis: Field<KPIs>?
            var warnings: Field<[String]>?
        }

        struct Visit: Decodable {
            var order, technician, start, end, noticeAt, group: Field<String>?
            var contact: Field<Bool>?

            enum CodingKeys: String, CodingKey {
                case order, technician, start, end, group, contact
                case noticeAt = "notice_at"
            }
        }

        struct Route: Decodable {
            var technician, depart, returnAt, breakStart: Field<String>?
            var orders: Field<[String]>?
            var travelMinutes: Field<Double>?

            enum CodingKeys: String, CodingKey {
                case technician, depart, orders
                case returnAt = "return"
                case breakStart = "break_start"
                case travelMinutes = "travel_minutes"
            }
        }

        struct Unassigned: Decodable {
            var order, code, reason: Field<String>?
        }

        struct KPIs: Decodable {
            var orders, assigned, travelMinutes, outsourcedOrders, outsourcedCost, lateRepairs: Field<Double>?

            enum CodingKeys: String, CodingKey {
                case orders, assigned
                case travelMinutes = "travel_minutes"
                case outsourcedOrders = "outsourced_orders"
                case outsourcedCost = "outsourced_cost"
                case lateRepairs = "late_repairs"
            }
        }
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

import SchedulingCore
import Yams

extension ScenarioBuilder {
    func readCrew(_ node: Node, index: Int) -> Located<Crew>? {
        let path = "crews[\(index)]"
        guard let reader = FieldReader(node, path: path, allowed: ["id", "name", "contract"], diagnostics) else { return nil }
        let id = reader.string("id", required: true)
        let name = reader.string("name")
        var contract: Contract?
        let contractKeys: Set<String> = [
            "valid_from", "valid_to", "territories", "work_types", "services", "excluded_tiers",
            "max_orders_per_day", "price",
        ]
        if let terms = reader.object("contract", allowed: contractKeys) {
            let from = terms.date("valid_from", required: true)
            let to = terms.date("valid_to", required: true)
            if let from, let to, to < from {
                diagnostics.report(
                    terms.values["valid_to"], "\(path).contract.valid_to",
                    "the contract ends (\(to)) before it starts (\(from))")
            }
            let territories = terms.strings("territories")
            let workTypes = terms.choices("work_types", as: WorkType.self) ?? WorkType.allCases
            let services = terms.choices("services", as: Service.self) ?? Service.allCases
            let excluded = terms.choices("excluded_tiers", as: CustomerTier.self) ?? []
            let quota = terms.int("max_orders_per_day", range: 0...InputLimits.orders)
            var prices: [WorkType: Money] = [:]
            if let priceNode = terms.value("price") {
                if case .mapping(let mapping) = priceNode {
                    for (key, value) in mapping {
                        let field = "\(path).contract.price.\(key.scalar?.string ?? "?")"
                        guard let typeName = key.scalar?.string,
                            let type = FieldReader.parseChoice(typeName, WorkType.self, node: key, field: field, diagnostics)
                        else { continue }
                        guard let money = Self.money(value) else {
                            diagnostics.report(
                                value, field, "expected a price of at least 0 with at most 2 decimals, found \(value.valueDescription)")
                            continue
                        }
                        prices[type] = money
                    }
                } else {
                    diagnostics.report(
                        priceNode, "\(path).contract.price", "expected a mapping of work type to price, found \(priceNode.kindDescription)")
                }
            }
            if let from, let to {
                contract = Contract(
                    validFrom: from, validTo: to, territories: territories, workTypes: workTypes, services: services,
                    excludedTiers: excluded, maxOrdersPerDay: quota, prices: prices)
            }
        }
        guard let id else { return nil }
        return Located(value: Crew(id: id, name: name, contract: contract), node: node, path: path)
    }

    /// A non-negative price with at most two decimals, as exact cents.
    static func money(_ node: Node) -> Money? {
        guard case .scalar(let scalar) = node, node.isTagged(.int) || node.isTagged(.float) else { return nil }
        let parts = scalar.string.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int(parts[0]), whole >= 0, whole < 1_000_000_000 else { return nil }
        var cents = whole * 100
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy(\.isNumber), let value = Int(fraction) else { return nil }
            cents += fraction.count == 1 ? value * 10 : value
        }
        return Money(cents: cents)
    }

    func readTechnician(_ node: Node, index: Int) -> Located<Technician>? {
        let path = "technicians[\(index)]"
        let allowed: Set<String> = [
            "id", "name", "crew", "skills", "certified_until", "shift", "start", "end", "territories", "absent",
        ]
        guard let reader = FieldReader(node, path: path, allowed: allowed, diagnostics) else { return nil }
        let id = reader.string("id", required: true)
        let name = reader.string("name")
        let crew = reader.string("crew")
        let skills = reader.strings("skills") ?? []
        let certified = reader.date("certified_until")
        var shift: Shift?
        if let shiftReader = reader.object("shift", required: true, allowed: ["start", "end"]) {
            let start = shiftReader.time("start", required: true)
            let end = shiftReader.time("end", required: true)
            if let start, let end {
                if end <= start {
                    diagnostics.report(
                        shiftReader.values["end"], "\(path).shift.end",
                        "the shift ends (\(end)) before it starts (\(start))")
                } else {
                    shift = Shift(start: start, end: end)
                }
            }
        }
        let start = reader.point("start", required: true)?.0
        let end = reader.point("end")?.0
        let territories = reader.strings("territories")
        let absent = reader.bool("absent") ?? false
        guard let id, let shift, let start else { return nil }
        let technician = Technician(
            id: id, name: name, crewID: crew, skills: skills, certifiedUntil: certified, shift: shift,
            startLocation: start, endLocation: end, territories: territories, absent: absent)
        return Located(value: technician, node: node, path: path)
    }
}

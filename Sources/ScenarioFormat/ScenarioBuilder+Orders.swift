import SchedulingCore
import Yams

extension ScenarioBuilder {
    static let orderKeys: Set<String> = [
        "id", "type", "service", "skills", "customer", "location", "territory", "duration_minutes", "window",
        "reported_at", "group", "pinned", "locked", "notes",
    ]

    /// Reads one order and runs the checks across orders on it.
    mutating func readCheckedOrder(_ node: Node, index: Int) -> Located<WorkOrder>? {
        let order = readOrder(node, index: index)
        orderChecks?.check(index: index, node: node, parsed: order)
        return order
    }

    /// One order of `orders:`; `path` names it in problems (default `orders[INDEX]`).
    func readOrder(_ node: Node, index: Int, path: String? = nil) -> Located<WorkOrder>? {
        let path = path ?? "orders[\(index)]"
        guard let reader = FieldReader(node, path: path, allowed: Self.orderKeys, diagnostics) else { return nil }
        let id = reader.string("id", required: true)
        let type = reader.choice("type", required: true, as: WorkType.self)
        let service = reader.choice("service", required: true, as: Service.self)
        let skills = reader.strings("skills")
        if let skills, skills.isEmpty {
            diagnostics.report(
                reader.values["skills"], "\(path).skills", "an order needs at least one skill (omit the key to use the service)")
        }
        var customer: Customer?
        if let who = reader.object("customer", required: true, allowed: ["id", "name", "tier", "phone"]) {
            let customerID = who.string("id", required: true)
            let tier = who.choice("tier", required: true, as: CustomerTier.self)
            let name = who.string("name")
            let phone = who.string("phone")
            if let customerID, let tier { customer = Customer(id: customerID, name: name, tier: tier, phone: phone) }
        }
        let located = reader.point("location", required: true, extra: ["address"])
        let address = located?.1.string("address")
        let territory = reader.string("territory")
        let duration = reader.int("duration_minutes", required: true, range: 1...1440)
        var window: TimeWindow?
        if let span = reader.object("window", allowed: ["start", "end"]) {
            let start = span.instant("start", required: true, zone: zone)
            let end = span.instant("end", required: true, zone: zone)
            if let start, let end {
                if end < start {
                    diagnostics.report(span.values["end"], "\(path).window.end", "the window ends before it starts")
                } else {
                    window = TimeWindow(start: start, end: end)
                }
            }
        }
        let reported = reader.instant("reported_at", zone: zone)
        let group = reader.string("group")
        let notes = reader.string("notes")
        var pin: Pin?
        if let pinned = reader.object("pinned", allowed: ["technician", "start"]) {
            let technician = pinned.string("technician", required: true)
            let start = pinned.instant("start", zone: zone)
            if let technician { pin = Pin(technicianID: technician, start: start) }
        }
        var lock: Lock?
        if let locked = reader.object("locked", allowed: ["technician", "start"]) {
            let technician = locked.string("technician", required: true)
            let start = locked.instant("start", required: true, zone: zone)
            if let technician, let start { lock = Lock(technicianID: technician, start: start) }
        }
        guard let id, let type, let service, let customer, let location = located?.0, let duration,
            skills?.isEmpty != true
        else { return nil }
        let order = WorkOrder(
            id: id, type: type, service: service, skills: skills, customer: customer, location: location,
            address: address, territory: territory, durationMinutes: duration, window: window, reportedAt: reported,
            group: group, pin: pin, lock: lock, notes: notes)
        return Located(value: order, node: node, path: path)
    }
}

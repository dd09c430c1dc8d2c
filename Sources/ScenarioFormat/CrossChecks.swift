import SchedulingCore
import Yams

/// Checks that span several records: unique ids, references that resolve, coherent groups.
///
/// Ids and references are read from the raw nodes, so they are checked even in records that
/// have other problems.
struct CrossChecks {
    let diagnostics: Diagnostics

    typealias Items = [(index: Int, node: Node)]

    /// Checks crews and technicians; returns the technician ids orders may refer to.
    func run(crews: Items, technicians: Items) -> Set<String> {
        let crewIDs = Set(unique(crews, section: "crews", kind: "crew"))
        let technicianIDs = Set(unique(technicians, section: "technicians", kind: "technician"))
        for (index, node) in technicians {
            reference(node, ["crew"], in: crewIDs, field: "technicians[\(index)].crew", kind: "crew")
        }
        return technicianIDs
    }

    /// Reports each repeated id at its second occurrence; returns the ids seen.
    func unique(_ items: Items, section: String, kind: String) -> [String] {
        var seen: [String: Int?] = [:]
        for (index, node) in items {
            guard let id = Self.text(node, ["id"]) else { continue }
            if let earlier = seen[id] {
                let line = earlier.map { "line \($0)" } ?? "earlier"
                diagnostics.report(node.mapping?["id"], "\(section)[\(index)].id", "duplicate \(kind) id '\(id)' (first at \(line))")
            } else {
                seen[id] = diagnostics.line(of: node)
            }
        }
        return Array(seen.keys)
    }

    func reference(_ node: Node, _ path: [String], in known: Set<String>, field: String, kind: String) {
        guard let id = Self.text(node, path), !known.contains(id) else { return }
        diagnostics.report(Self.value(node, path), field, "unknown \(kind) '\(id)'")
    }

    static func value(_ node: Node, _ path: [String]) -> Node? {
        path.reduce(Optional(node)) { current, key in current?.mapping?[key] }
    }

    static func text(_ node: Node, _ path: [String]) -> String? {
        guard let found = value(node, path), !found.isNull, let text = found.scalar?.string, !text.isEmpty else { return nil }
        return text
    }
}

/// The checks across orders, one order at a time: a streamed file never holds all its orders,
/// so only what later orders are compared with is kept (first line of each id, each group's
/// first member, each customer's first description).
struct OrderChecks {
    let diagnostics: Diagnostics
    let technicianIDs: Set<String>
    private var seen: [String: Int?] = [:]
    private var leaders: [String: Earlier] = [:]
    private var customers: [String: Earlier] = [:]

    /// What a later order is compared with: the earlier order's id, line, place and customer.
    private struct Earlier {
        let order: String
        let line: Int?
        let location: GeoPoint
        let customer: Customer

        var at: String { line.map { " (line \($0))" } ?? "" }
    }

    init(diagnostics: Diagnostics, technicianIDs: Set<String>) {
        self.diagnostics = diagnostics
        self.technicianIDs = technicianIDs
    }

    /// The ids of all orders checked so far.
    var ids: Dictionary<String, Int?>.Keys { seen.keys }

    /// An order stored before (a member of the group of the order a request sends): the orders
    /// checked after it are held to it as to an earlier order of the file.
    mutating func remember(stored order: WorkOrder) {
        let earlier = Earlier(order: order.id, line: nil, location: order.location, customer: order.customer)
        if let group = order.group, leaders[group] == nil { leaders[group] = earlier }
    }

    /// Checks the order at `index` (its raw node, and the model when it could be read); `path`
    /// names it in problems (default `orders[INDEX]`).
    mutating func check(index: Int, node: Node, parsed: Located<WorkOrder>?, path: String? = nil) {
        let path = path ?? "orders[\(index)]"
        let checks = CrossChecks(diagnostics: diagnostics)
        if let id = CrossChecks.text(node, ["id"]) {
            if let earlier = seen[id] {
                let line = earlier.map { "line \($0)" } ?? "earlier"
                diagnostics.report(node.mapping?["id"], "\(path).id", "duplicate order id '\(id)' (first at \(line))")
            } else {
                seen[id] = diagnostics.line(of: node)
            }
        }
        for key in ["pinned", "locked"] {
            checks.reference(node, [key, "technician"], in: technicianIDs, field: "\(path).\(key).technician", kind: "technician")
        }
        if let pinned = CrossChecks.text(node, ["pinned", "technician"]), let locked = CrossChecks.text(node, ["locked", "technician"]),
            pinned != locked
        {
            diagnostics.report(node.mapping?["pinned"], "\(path).pinned", "pinned to '\(pinned)' but locked to '\(locked)'")
        }
        guard let parsed else { return }
        let order = parsed.value
        let this = Earlier(order: order.id, line: diagnostics.line(of: parsed.node), location: order.location, customer: order.customer)
        // Members of a group are one customer order: same customer, same address.
        if let group = order.group {
            if let leader = leaders[group] {
                if order.location != leader.location {
                    diagnostics.report(
                        parsed.node.mapping?["location"], "\(parsed.path).location",
                        "group '\(group)' members must be at one address, but \(order.id) is not where \(leader.order)\(leader.at) is")
                }
                if order.customer.id != leader.customer.id {
                    diagnostics.report(
                        parsed.node.mapping?["customer"], "\(parsed.path).customer",
                        "group '\(group)' is one customer order, but \(order.id) is for customer '\(order.customer.id)' and "
                            + "\(leader.order)\(leader.at) for '\(leader.customer.id)'"
                    )
                }
            } else {
                leaders[group] = this
            }
        }
        // One customer id describes one customer: the same name, tier and phone everywhere.
        if let earlier = customers[order.customer.id] {
            if earlier.customer != order.customer {
                diagnostics.report(
                    parsed.node.mapping?["customer"], "\(parsed.path).customer",
                    "customer '\(order.customer.id)' is described differently in \(earlier.order)\(earlier.at)")
            }
        } else {
            customers[order.customer.id] = this
        }
    }
}

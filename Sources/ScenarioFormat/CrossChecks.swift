import SchedulingCore
import Yams

/// Checks that span several records: unique ids, references that resolve, coherent groups.
///
/// Ids and references are read from the raw nodes, so they are checked even in records that
/// have other problems.
struct CrossChecks {
    let diagnostics: Diagnostics

    typealias Items = [(index: Int, node: Node)]

    func run(crews: Items, technicians: Items, orders: Items, parsedOrders: [Located<WorkOrder>]) {
        let crewIDs = unique(crews, section: "crews", kind: "crew")
        let technicianIDs = unique(technicians, section: "technicians", kind: "technician")
        _ = unique(orders, section: "orders", kind: "order")

        for (index, node) in technicians {
            reference(node, ["crew"], in: crewIDs, field: "technicians[\(index)].crew", kind: "crew")
        }
        for (index, node) in orders {
            for key in ["pinned", "locked"] {
                reference(node, [key, "technician"], in: technicianIDs, field: "orders[\(index)].\(key).technician", kind: "technician")
            }
            if let pinned = text(node, ["pinned", "technician"]), let locked = text(node, ["locked", "technician"]), pinned != locked {
                diagnostics.report(node.mapping?["pinned"], "orders[\(index)].pinned",
                                   "pinned to '\(pinned)' but locked to '\(locked)'")
            }
        }
        checkGroups(parsedOrders)
        checkCustomers(parsedOrders)
    }

    /// Members of a group are one customer order: same customer, same address.
    func checkGroups(_ orders: [Located<WorkOrder>]) {
        var first: [String: Located<WorkOrder>] = [:]
        for order in orders {
            guard let group = order.value.group else { continue }
            guard let leader = first[group] else {
                first[group] = order
                continue
            }
            let line = leader.node.mark.map { " (line \($0.line))" } ?? ""
            if order.value.location != leader.value.location {
                diagnostics.report(order.node.mapping?["location"], "\(order.path).location",
                                   "group '\(group)' members must be at one address, but \(order.value.id) is not where \(leader.value.id)\(line) is")
            }
            if order.value.customer.id != leader.value.customer.id {
                diagnostics.report(order.node.mapping?["customer"], "\(order.path).customer",
                                   "group '\(group)' is one customer order, but \(order.value.id) is for customer '\(order.value.customer.id)' and \(leader.value.id)\(line) for '\(leader.value.customer.id)'")
            }
        }
    }

    /// One customer id describes one customer: the same name, tier and phone everywhere.
    func checkCustomers(_ orders: [Located<WorkOrder>]) {
        var first: [String: Located<WorkOrder>] = [:]
        for order in orders {
            let customer = order.value.customer
            guard let earlier = first[customer.id] else {
                first[customer.id] = order
                continue
            }
            if earlier.value.customer != customer {
                let line = earlier.node.mark.map { " (line \($0.line))" } ?? ""
                diagnostics.report(order.node.mapping?["customer"], "\(order.path).customer",
                                   "customer '\(customer.id)' is described differently in \(earlier.value.id)\(line)")
            }
        }
    }

    /// Reports each repeated id at its second occurrence; returns the ids seen.
    func unique(_ items: Items, section: String, kind: String) -> Set<String> {
        var seen: [String: Node] = [:]
        for (index, node) in items {
            guard let id = text(node, ["id"]) else { continue }
            if let earlier = seen[id] {
                let line = earlier.mark.map { "line \($0.line)" } ?? "earlier"
                diagnostics.report(node.mapping?["id"], "\(section)[\(index)].id", "duplicate \(kind) id '\(id)' (first at \(line))")
            } else {
                seen[id] = node
            }
        }
        return Set(seen.keys)
    }

    func reference(_ node: Node, _ path: [String], in known: Set<String>, field: String, kind: String) {
        guard let id = text(node, path), !known.contains(id) else { return }
        diagnostics.report(value(node, path), field, "unknown \(kind) '\(id)'")
    }

    func value(_ node: Node, _ path: [String]) -> Node? {
        path.reduce(Optional(node)) { current, key in current?.mapping?[key] }
    }

    func text(_ node: Node, _ path: [String]) -> String? {
        guard let found = value(node, path), !found.isNull, let text = found.scalar?.string, !text.isEmpty else { return nil }
        return text
    }
}

import Crypto
import DispatchStore
import Foundation
import SchedulingCore

/// One order as an integration client sees it (`GET /v1/orders/{id}`): where it stands, the visit
/// the published plan gives it, and every change it went through.
public struct OrderView: Sendable {
    public var order: StoredOrder
    /// Its visit in the published plan of its day, when it has one.
    public var visit: PlannedVisit?
    public var history: [OrderEvent]
    /// The zone of the order's day: its times are printed in it.
    public var zone: ServiceTimeZone

    /// The order as the API answers it (openapi.yaml, `Order`).
    public var document: JSONValue {
        let window: JSONValue =
            order.order.window.map { ["start": zone.rfc3339($0.start).json, "end": zone.rfc3339($0.end).json] } ?? .null
        let visit: JSONValue =
            self.visit.map {
                [
                    "technician": $0.technician.json, "start": zone.rfc3339($0.start).json, "end": zone.rfc3339($0.end).json,
                    "contact": $0.contact.json,
                ]
            } ?? .null
        return [
            "id": order.order.id.json, "state": order.state.rawValue.json, "day": order.serviceDay.description.json,
            "type": order.order.type.rawValue.json, "service": order.order.service.rawValue.json, "group": order.order.group.json,
            "window": window, "visit": visit, "history": .array(history.map { $0.json(in: zone) }),
        ]
    }

    /// The entity tag of the order as it stands (`ETag`, `If-Match`): a hash of what describes
    /// it (every field of the order, its day and state), so any change gives a new tag and a
    /// stale `If-Match` is refused. Its planned visit and history are not part of it: a re-plan
    /// does not make the order system's copy stale.
    public var entityTag: String { order.entityTag }
}

extension StoredOrder {
    public var entityTag: String {
        let text = "\(order)|\(serviceDay)|\(state.rawValue)"
        return "\"" + SHA256.hash(data: Data(text.utf8)).prefix(12).hexDigits + "\""
    }
}

extension DispatchOperations {
    /// The order, its planned visit and its history, from one read.
    public func orderView(_ id: String) async throws -> OrderView {
        try await read { context in
            let order = try context.requireOrder(id)
            let zone = try context.tx.zone(of: order.serviceDay) ?? context.day(order.serviceDay, like: order.serviceDay).timeZone
            let visit = try context.tx.publishedVisits(on: order.serviceDay, orders: [id]).first
            return OrderView(order: order, visit: visit, history: try context.tx.events(of: id), zone: zone)
        }
    }

    /// Cancels the order as `setStatus(to: .cancelled)` does (its visit leaves the plan, its
    /// notices are withdrawn) and answers it as it is then. An order already cancelled — a
    /// request repeated, or two at once — is answered as it is; any other refusal stands.
    public func cancel(order id: String, reason: String, actor: String) async throws -> OrderView {
        do {
            _ = try await setStatus(order: id, to: .cancelled, reason: reason, actor: actor)
        } catch let refusal as OperationError where refusal.category == .badInput {
            guard try await orderView(id).order.state == .cancelled else { throw refusal }
        }
        return try await orderView(id)
    }
}

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

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
}

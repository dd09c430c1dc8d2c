import SchedulingCore

/// Batched reads for the measures report: everything about the orders of a range of service
/// days in a handful of queries, whatever the number of orders.
extension StoreTransaction {
    private static let ordersInRange = "order_id IN (SELECT id FROM orders WHERE service_day BETWEEN ? AND ?)"

    private func range(_ first: LocalDate, _ last: LocalDate) -> [SQLValue] {
        [.text(first.description), .text(last.description)]
    }

    /// Orders whose service day lies in `first...last`, sorted by id.
    public func orders(from first: LocalDate, to last: LocalDate) throws -> [StoredOrder] {
        try reader.orders(where: "o.service_day BETWEEN ? AND ?", range(first, last))
    }

    /// Stored service days in `first...last`, earliest first.
    public func serviceDays(from first: LocalDate, to last: LocalDate) throws -> [LocalDate] {
        try connection.query("SELECT day FROM service_days WHERE day BETWEEN ? AND ? ORDER BY day", range(first, last))
            .compactMap { LocalDate(iso: try $0.text("day")) }
    }

    /// The transitions of those orders, oldest first per order.
    public func events(ofOrdersFrom first: LocalDate, to last: LocalDate) throws -> [OrderEvent] {
        try events(where: "\(Self.ordersInRange) ORDER BY order_id, id", range(first, last))
    }

    /// The notices of those orders.
    public func notices(ofOrdersFrom first: LocalDate, to last: LocalDate) throws -> [StoredNotice] {
        try notices(where: "\(Self.ordersInRange) ORDER BY id", range(first, last))
    }

    /// The callback tasks of those orders.
    public func callbacks(ofOrdersFrom first: LocalDate, to last: LocalDate) throws -> [CallbackTask] {
        try callbacks(where: "\(Self.ordersInRange) ORDER BY id", range(first, last))
    }
}

import DispatchStore
import SchedulingCore

/// The application layer: every operation of the running service (book, publish, change a
/// state, record an absence, send notices, record a callback) is one function here, and each
/// runs in one database transaction. The CLI, the HTTP server and the nightly job only
/// translate to and from these calls.
///
/// Time comes from the injected clock, read once per operation.
public struct DispatchOperations: Sendable {
    public let store: any DispatchStore
    public let clock: any DispatchClock

    public init(store: any DispatchStore, clock: any DispatchClock) {
        self.store = store
        self.clock = clock
    }

    /// As `perform`, for operations that only read: no write lock is taken.
    func read<T: Sendable>(_ body: @escaping @Sendable (OperationContext) throws -> T) async throws -> T {
        let now = clock.now()
        do {
            return try await store.readTransaction { transaction in try body(OperationContext(tx: transaction, now: now)) }
        } catch {
            throw OperationError.from(error)
        }
    }

    /// Runs `body` in one transaction with the operation's time; every failure becomes an `OperationError`.
    func perform<T: Sendable>(_ body: @escaping @Sendable (OperationContext) throws -> T) async throws -> T {
        let now = clock.now()
        do {
            return try await store.transaction { transaction in try body(OperationContext(tx: transaction, now: now)) }
        } catch {
            throw OperationError.from(error)
        }
    }
}

/// What every operation works with inside its transaction.
struct OperationContext {
    let tx: StoreTransaction
    let now: Instant

    func requireOrder(_ id: String) throws -> StoredOrder {
        guard let order = try tx.order(id) else { throw OperationError.notFound("no order '\(id)'") }
        return order
    }

    /// The orders visited together with `order`: its whole group, or itself.
    func work(of order: StoredOrder) throws -> [StoredOrder] {
        guard let group = order.order.group else { return [order] }
        let members = try tx.groupMembers(group)
        return members.isEmpty ? [order] : members
    }

    /// Moves the order to `state`, recording who, when and why; refuses a transition the
    /// workflow does not have, naming the current state and the legal next ones.
    @discardableResult
    func transition(_ order: StoredOrder, to state: OrderState, actor: String, reason: String? = nil,
                    side: ReasonSide? = nil, details: String? = nil) throws -> OrderEvent {
        let from = order.state
        guard OrderWorkflow.allows(from, state) else {
            let allowed = (OrderWorkflow.next[from] ?? []).map(\.rawValue)
            throw OperationError.badInput(
                "order \(order.order.id) is \(from) and cannot become \(state); from \(from) it can become "
                    + (allowed.isEmpty ? "nothing (it is closed)" : allowed.joined(separator: ", ")))
        }
        let event = OrderEvent(order: order.order.id, at: now, actor: actor, from: from, to: state, reason: reason,
                               side: side, details: details)
        try tx.setState(order.order.id, state)
        try tx.appendEvent(event)
        return event
    }

    /// The service day as a scenario; a day never imported borrows the settings of `template`
    /// (its row is created, so orders can be booked onto it).
    func day(_ date: LocalDate, like template: LocalDate) throws -> Scenario {
        if let day = try tx.scenario(on: date) { return day }
        try tx.ensureServiceDay(date, like: template)
        guard let day = try tx.scenario(on: date) else { throw OperationError.notFound("no service day \(date) or \(template)") }
        return day
    }

    /// The day's scenario with `orders` in it as well (orders of other days being booked onto it).
    func day(_ date: LocalDate, with orders: [StoredOrder], like template: LocalDate) throws -> Scenario {
        including(orders, in: try day(date, like: template))
    }

    /// `scenario` with `orders` added (those it lacks).
    func including(_ orders: [StoredOrder], in scenario: Scenario) -> Scenario {
        var scenario = scenario
        let present = Set(scenario.orders.map(\.id))
        scenario.orders += orders.map(\.order).filter { !present.contains($0.id) }
        return scenario
    }

    /// The local day of an instant in the zone of `day`.
    func localDay(_ instant: Instant, zoneOf day: Scenario) -> LocalDate { day.timeZone.local(instant).date }
}

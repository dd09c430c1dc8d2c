import DispatchStore
import SchedulingCore

/// The application layer: every operation of the running service (book, publish, change a
/// state, record an absence, send notices, record a callback) is one function here, and each
/// runs in one database transaction. The CLI, the HTTP server and the nightly job only
/// translate to and from these calls.
///
/// Time comes from the injected clock, read once per operation.
public struct DispatchOperations: Sendable {
    /// The database. Only this module and the store modules use it: the CLI and the server call
    /// operations (`scripts/check-layers` holds them to it).
    package let store: any DispatchStore
    public let clock: any DispatchClock
    /// How long a routing engine may take and how much it may send, for every matrix this
    /// application fetches (`buildTravel`, `ensureTravel`, `fetchLegs`).
    public var routing: RoutingLimits
    /// Points in an operation where a test acts (a change made meanwhile); nothing in production.
    public var hooks = OperationHooks()

    public init(store: any DispatchStore, clock: any DispatchClock, routing: RoutingLimits = RoutingLimits()) {
        self.store = store
        self.clock = clock
        self.routing = routing
    }

    /// The same application layer acting at another clock (a plan published as of the time it was made for).
    public func acting(at clock: any DispatchClock) -> DispatchOperations {
        var operations = DispatchOperations(store: store, clock: clock, routing: routing)
        operations.hooks = hooks
        return operations
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

    /// How many times an operation runs when the database keeps aborting it for a concurrent one.
    static let attempts = 6

    /// Runs `body` in one transaction with the operation's time; every failure becomes an `OperationError`.
    ///
    /// A transaction the database aborted because of a concurrent one (deadlock, serialization
    /// failure, a busy SQLite file, or a compare-and-set that found the row changed) is rolled
    /// back whole and run again from the start, re-reading everything, up to `attempts` times
    /// with a growing random pause; if it still fails, that is a conflict (exit 3, HTTP 409),
    /// never a storage error. `body` must therefore have no effect outside the transaction.
    func perform<T: Sendable>(_ body: @escaping @Sendable (OperationContext) throws -> T) async throws -> T {
        let now = clock.now()
        do {
            return try await retrying {
                try await store.transaction { transaction in try body(OperationContext(tx: transaction, now: now)) }
            }
        } catch let rolledBack as RolledBack {
            throw rolledBack
        } catch {
            throw OperationError.from(error)
        }
    }

    /// Runs `transaction` (one whole database transaction) again when the database aborted it for a
    /// concurrent one, as `perform` describes; a database failure becomes an `OperationError`, any
    /// other error (a scenario file's problems found while its orders stream in) is thrown as it is.
    func retrying<T: Sendable>(_ transaction: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await transaction()
            } catch let error as StoreError where error.kind == .retryable && attempt < Self.attempts {
                // Up to 10, 20, 40, 80, 160 ms times a random factor, so two retrying writers drift apart.
                let ceiling = 10_000_000 << (attempt - 1)
                try? await Task.sleep(nanoseconds: UInt64(Int.random(in: ceiling / 2...ceiling)))
                attempt += 1
            } catch let error as StoreError {
                throw OperationError.from(error)
            }
        }
    }
}

/// Points in an operation where a test acts, so that what happens meanwhile is decided by the
/// test rather than by timing.
public struct OperationHooks: Sendable {
    /// A re-plan (a reaction, a delay) was computed from a read of the day, no transaction open,
    /// and is about to be published under the day's lock.
    public var computedBeforeLock: (@Sendable () async -> Void)?

    public init() {}
}

/// What every operation works with inside its transaction.
struct OperationContext {
    let tx: StoreTransaction
    let now: Instant
    /// The day locks this transaction took, gathered from every `lockDays`.
    private let held = HeldDays()
    /// The plan versions this transaction published, in order (what a desk change's effect is
    /// worked out from, preview or not).
    let journal = Journal()

    final class HeldDays {
        var proof: LockedDays?
    }

    final class Journal {
        struct Entry {
            var plan: Plan
            var previous: PublishedPlan?
            var outcome: PublishOutcome
            var zone: ServiceTimeZone
        }
        var entries: [Entry] = []
    }

    init(tx: StoreTransaction, now: Instant) {
        self.tx = tx
        self.now = now
    }

    /// Locks `days` (ascending; see `StoreTransaction.lockDays`) and returns the proof of every
    /// day this transaction holds now, for the setters that change them. A day already held is
    /// not asked for again (publishing locks its day, which the operation mostly holds already).
    @discardableResult
    func lockDays(_ days: [LocalDate]) throws -> LockedDays {
        let missing = days.filter { !(held.proof?.holds($0) ?? false) }
        if missing.isEmpty, let proof = held.proof { return proof }
        return hold(try tx.lockDays(missing))
    }

    /// Locks `day` when nobody holds it, without waiting; nil when another transaction does.
    func tryLockDay(_ day: LocalDate) throws -> LockedDays? {
        try tx.tryLockDay(day).map(hold)
    }

    private func hold(_ proof: LockedDays) -> LockedDays {
        let all = held.proof.map { $0.union(proof) } ?? proof
        held.proof = all
        return all
    }

    /// The proof of the days this transaction has locked; a setter refuses any other day.
    var locked: LockedDays {
        get throws {
            guard let proof = held.proof else { throw StoreError(.database, "a change was attempted before any day was locked") }
            return proof
        }
    }

    func requireOrder(_ id: String) throws -> StoredOrder {
        guard let order = try tx.order(id) else { throw OperationError.notFound("no order '\(id)'") }
        return order
    }

    /// The order as it is once its service day (and the `also` days) are locked for this
    /// transaction: the first step of every operation that changes an order (docs/consistency.md).
    /// The days are locked in ascending order before any other row, and the order is read again
    /// under the lock, so what the operation checks is what it changes.
    func lockedOrder(_ id: String, also days: [LocalDate] = []) throws -> StoredOrder {
        var order = try requireOrder(id)
        var locked: Set<LocalDate> = []
        // The order's day can change before the lock is granted (a move); lock the new one too.
        while !locked.contains(order.serviceDay) {
            let wanted = Set(days + [order.serviceDay]).subtracting(locked)
            if let earliest = locked.min(), wanted.contains(where: { $0 < earliest }) {
                // Locking an earlier day after a later one could wait in a cycle: start over in order.
                throw StoreError(.retryable, "order \(id) moved to another day while its day was being locked")
            }
            try lockDays(Array(wanted))
            locked.formUnion(wanted)
            order = try requireOrder(id)
        }
        return order
    }

    /// The orders visited together with `order`: the members of its group on its day, or itself.
    /// A member finished on another day (its partner booked anew after it was done) is not part
    /// of this visit: it stays where it happened, and that day is not locked by an operation here.
    func work(of order: StoredOrder) throws -> [StoredOrder] {
        guard let group = order.order.group else { return [order] }
        let members = try tx.groupMembers(group).filter { $0.serviceDay == order.serviceDay }
        return members.isEmpty ? [order] : members
    }

    /// Moves the order to `state`, recording who, when and why; refuses a transition the
    /// workflow does not have, naming the current state and the legal next ones.
    @discardableResult
    func transition(
        _ order: StoredOrder, to state: OrderState, actor: String, reason: String? = nil,
        side: ReasonSide? = nil, details: String? = nil
    ) throws -> OrderEvent {
        let from = order.state
        guard OrderWorkflow.allows(from, state) else {
            let allowed = (OrderWorkflow.next[from] ?? []).map(\.rawValue)
            throw OperationError.badInput(
                "order \(order.order.id) is \(from) and cannot become \(state); from \(from) it can become "
                    + (allowed.isEmpty ? "nothing (it is closed)" : allowed.joined(separator: ", ")))
        }
        let event = OrderEvent(
            order: order.order.id, at: now, actor: actor, from: from, to: state, reason: reason,
            side: side, details: details)
        try tx.setState(order.order.id, state, expected: from, locked: try locked)
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

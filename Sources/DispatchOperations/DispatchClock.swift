import Foundation
import SchedulingCore

/// Where the application layer reads the time: never `Date()` directly, so whole days can be
/// replayed (`--now`) and tests control time.
public protocol DispatchClock: Sendable {
    func now() -> Instant
}

/// The machine's clock, to the second.
public struct SystemClock: DispatchClock {
    public init() {}
    public func now() -> Instant { Instant(secondsSinceEpoch: Int(Date().timeIntervalSince1970)) }
}

/// A clock that always says the same time (`--now T`).
public struct FixedClock: DispatchClock {
    public let instant: Instant
    public init(_ instant: Instant) { self.instant = instant }
    public func now() -> Instant { instant }
}

import SchedulingCore

/// Proof that the transaction holds the row locks of some service days: only `lockDays` (and
/// `tryLockDay`, when it got the lock) make one, and every setter that changes a day asks for
/// it, so a write without its day's lock does not compile. The setter also checks that the day
/// it changes is among those held (an order's own day is read as it is written), and refuses a
/// write to any other day: the lock order of docs/consistency.md is then kept by construction.
public struct LockedDays: Sendable, Equatable {
    /// Every day locked, stored or not.
    /// (The memberwise initialiser is internal: only the store makes a proof.)
    public let days: Set<LocalDate>

    public func holds(_ day: LocalDate) -> Bool { days.contains(day) }

    /// The days of both proofs (locks taken one after the other in one transaction).
    public func union(_ other: LockedDays) -> LockedDays {
        LockedDays(days: days.union(other.days))
    }

    /// Refuses a change of `day` this transaction has not locked: a defect of the caller, never of the data.
    func require(_ day: LocalDate, _ what: @autoclosure () -> String) throws {
        guard days.contains(day) else {
            let held = days.sorted().map(\.description).joined(separator: ", ")
            throw StoreError(.database, "\(what()) changes \(day) without its lock (held: \(held.isEmpty ? "none" : held))")
        }
    }
}

import SchedulingCore
import Synchronization

/// A day's road legs as last read by this process, reused while the day's `travel_stamp` and its
/// places are unchanged: a 2,000-order day's matrix holds four million legs, and each read of the
/// day (every reaction, every agenda) built it again from its rows.
///
/// The stamp is a random number written with every change to the day's legs, so an entry is
/// right for any database that shows the same stamp; 0 (never written since migration 13) is
/// not cached. The legs also depend on where each key is now (an order that moved has no leg
/// until fetched again): the places are part of the key.
public final class RoadLegsCache: Sendable {
    public static let shared = RoadLegsCache()

    struct Key: Equatable {
        let day: LocalDate
        let stamp: Int
        /// `travel_source`, whether the legs were fetched from an engine, and the fallback flag.
        let source: String
        let fetched: Bool
        let fallback: Bool
        let places: [String: GeoPoint]
    }

    /// Entries kept, the most recently used first.
    let kept: Int
    private let entries = Mutex<[(key: Key, legs: RoadLegs?)]>([])

    public init(kept: Int = 2) { self.kept = kept }

    /// The legs stored under `key`, read by `read` when this process has not read them yet.
    func legs(_ key: Key, read: () throws -> RoadLegs?) rethrows -> RoadLegs? {
        guard key.stamp != 0 else { return try read() }
        if let found = entries.withLock({ entries -> RoadLegs?? in
            guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = entries.remove(at: index)
            entries.insert(entry, at: 0)
            return .some(entry.legs)
        }) {
            return found
        }
        let legs = try read()
        entries.withLock { entries in
            entries.removeAll { $0.key.day == key.day && $0.key.source == key.source }
            entries.insert((key, legs), at: 0)
            if entries.count > kept { entries.removeLast(entries.count - kept) }
        }
        return legs
    }
}

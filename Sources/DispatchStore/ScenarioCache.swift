import SchedulingCore
import Synchronization

/// Days as one store last read them, reused while nothing a plan of the day reads has changed:
/// the day's revision (raised by every change to its orders, absences, plans and settings), its
/// road legs' stamp, and whether the calendar works it. A call centre's slot offer reads every
/// day of its horizon, 2,000 orders each; without this, reading them was 40 % of an offer.
///
/// One cache per store (per database connection): revisions are counters of one database, so two
/// databases may show the same revision for different days.
public final class ScenarioCache: Sendable {
    struct Key: Equatable {
        let revision: Int
        let stamp: Int
        let worked: Bool
    }

    /// Days kept, the most recently used first.
    let kept: Int
    private let entries = Mutex<[(day: LocalDate, key: Key, scenario: Scenario)]>([])

    public init(kept: Int = 32) { self.kept = kept }

    func scenario(_ day: LocalDate, _ key: Key, read: () throws -> Scenario?) rethrows -> Scenario? {
        if let found = entries.withLock({ entries -> Scenario? in
            guard let index = entries.firstIndex(where: { $0.day == day && $0.key == key }) else { return nil }
            let entry = entries.remove(at: index)
            entries.insert(entry, at: 0)
            return entry.scenario
        }) {
            return found
        }
        guard let scenario = try read() else { return nil }
        entries.withLock { entries in
            entries.removeAll { $0.day == day }
            entries.insert((day, key, scenario), at: 0)
            if entries.count > kept { entries.removeLast(entries.count - kept) }
        }
        return scenario
    }
}

extension StoreTransaction {
    /// The day as `scenario(on:)` reads it, from this store's cache while the day is unchanged
    /// (`ScenarioCache`); nil when no day `day` is stored.
    public func cachedScenario(on day: LocalDate) throws -> Scenario? {
        guard let scenarios else { return try scenario(on: day) }
        guard
            let row = try connection.query("SELECT revision, travel_stamp FROM service_days WHERE day = ?", [.text(day.description)]).first
        else { return nil }
        let key = ScenarioCache.Key(
            revision: try row.int("revision"), stamp: try row.int("travel_stamp"), worked: try reader.works(on: day))
        return try scenarios.scenario(day, key) { try scenario(on: day) }
    }
}

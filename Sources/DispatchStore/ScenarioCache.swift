import SchedulingCore
import Synchronization

/// Days as one store last read them, reused while nothing a plan of the day reads has changed:
/// the day's revision (raised by every change to its orders, absences, plans and settings), its
/// road legs' stamp, and whether the calendar works it. A call centre's slot offer reads every
/// day of its horizon, 2,000 orders each; without this, reading them was 40 % of an offer.
///
/// Each day's latest published plan is kept on the same terms (`cachedDay`).
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
    private let scenarios: Entries<Scenario>
    /// Each day's latest published plan, on the same terms (publishing raises the revision).
    private let plans: Entries<PublishedPlan>

    public init(kept: Int = 32) {
        self.kept = kept
        scenarios = Entries(kept: kept)
        plans = Entries(kept: kept)
    }

    func scenario(_ day: LocalDate, _ key: Key, read: () throws -> Scenario?) rethrows -> Scenario? {
        try scenarios.value(day, key, read: read)
    }

    func plan(_ day: LocalDate, _ key: Key, read: () throws -> PublishedPlan?) rethrows -> PublishedPlan? {
        try plans.value(day, key, read: read)
    }

    /// What is kept of one kind, a value a day, the most recently used first.
    final class Entries<Value: Sendable>: Sendable {
        let kept: Int
        private let entries = Mutex<[(day: LocalDate, key: Key, value: Value)]>([])

        init(kept: Int) { self.kept = kept }

        func value(_ day: LocalDate, _ key: Key, read: () throws -> Value?) rethrows -> Value? {
            if let found = entries.withLock({ entries -> Value? in
                guard let index = entries.firstIndex(where: { $0.day == day && $0.key == key }) else { return nil }
                let entry = entries.remove(at: index)
                entries.insert(entry, at: 0)
                return entry.value
            }) {
                return found
            }
            guard let value = try read() else { return nil }
            entries.withLock { entries in
                entries.removeAll { $0.day == day }
                entries.insert((day, key, value), at: 0)
                if entries.count > kept { entries.removeLast(entries.count - kept) }
            }
            return value
        }
    }
}

extension StoreTransaction {
    /// The day as `scenario(on:)` reads it, from this store's cache while the day is unchanged
    /// (`ScenarioCache`); nil when no day `day` is stored.
    public func cachedScenario(on day: LocalDate) throws -> Scenario? {
        guard let scenarios, !raised.days.contains(day) else { return try scenario(on: day) }
        guard let key = try cacheKey(day) else { return nil }
        return try scenarios.scenario(day, key) { try scenario(on: day) }
    }

    /// The day as `scenario(on:)` reads it and its latest published plan, from this store's
    /// cache while the day is unchanged (its revision read once for both); nil when no day
    /// `day` is stored.
    public func cachedDay(on day: LocalDate) throws -> (scenario: Scenario, plan: PublishedPlan?)? {
        guard let scenarios, !raised.days.contains(day) else { return try scenario(on: day).map { ($0, try publishedPlan(on: day)) } }
        guard let key = try cacheKey(day), let scenario = try scenarios.scenario(day, key, read: { try scenario(on: day) }) else {
            return nil
        }
        return (scenario, try scenarios.plan(day, key) { try publishedPlan(on: day) })
    }

    /// What a day's cached reads are kept by, or nil when no day `day` is stored.
    private func cacheKey(_ day: LocalDate) throws -> ScenarioCache.Key? {
        guard
            let row = try connection.query("SELECT revision, travel_stamp FROM service_days WHERE day = ?", [.text(day.description)]).first
        else { return nil }
        return ScenarioCache.Key(
            revision: try row.int("revision"), stamp: try row.int("travel_stamp"), worked: try reader.works(on: day))
    }
}

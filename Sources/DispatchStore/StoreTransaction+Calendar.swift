import Foundation
import SchedulingCore

/// The working calendar (migration 16): the weekdays worked and the holidays.
extension StoreTransaction {
    public func calendar() throws -> WorkingCalendar { try reader.calendar() }

    /// Sets the weekdays worked; true when they changed.
    @discardableResult
    public func setWorkingWeekdays(_ weekdays: Set<Weekday>) throws -> Bool {
        try ScenarioWriter(connection).setWorkingWeekdays(weekdays)
    }

    /// Adds (or renames) a holiday; true when something changed.
    @discardableResult
    public func addHoliday(_ day: LocalDate, name: String?) throws -> Bool {
        try connection.execute(
            "INSERT INTO holidays (day, name) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET name = excluded.name "
                + "WHERE holidays.name \(dialect.isDistinctFrom) excluded.name",
            [.text(day.description), .optional(name)]) > 0
    }

    /// Removes a holiday; false when there was none that day.
    @discardableResult
    public func removeHoliday(_ day: LocalDate) throws -> Bool {
        try connection.execute("DELETE FROM holidays WHERE day = ?", [.text(day.description)]) > 0
    }
}

extension ScenarioWriter {
    func setWorkingWeekdays(_ weekdays: Set<Weekday>) throws -> Bool {
        let text = WorkingCalendar(weekdays: weekdays).weekdaysText
        return try connection.execute(
            "UPDATE working_calendar SET weekdays = ? WHERE one = 1 AND weekdays <> ?", [.text(text), .text(text)]) > 0
    }

    /// A file's calendar replaces the stored one (its weekdays and every holiday); returns the rows changed.
    func writeCalendar(_ calendar: WorkingCalendar) throws -> Int {
        var changed = try setWorkingWeekdays(calendar.weekdays) ? 1 : 0
        let stored = try ScenarioReader(connection).calendar().holidays
        guard stored != calendar.holidays else { return changed }
        changed += try connection.execute("DELETE FROM holidays", [])
        for (day, name) in calendar.holidays.sorted(by: { $0.key < $1.key }) {
            changed += try connection.execute("INSERT INTO holidays (day, name) VALUES (?, ?)", [.text(day.description), .optional(name)])
        }
        return changed
    }
}

extension ScenarioReader {
    func calendar() throws -> WorkingCalendar {
        let weekdays = try connection.query("SELECT weekdays FROM working_calendar WHERE one = 1", []).first?.text("weekdays") ?? ""
        var holidays: [LocalDate: String?] = [:]
        for row in try connection.query("SELECT \(dialect.dateColumn("day")), name FROM holidays", []) {
            holidays[try date(row.text("day"))] = .some(try row.optionalText("name"))
        }
        return WorkingCalendar(weekdays: WorkingCalendar.weekdays(weekdays) ?? Set(Weekday.allCases), holidays: holidays)
    }

    /// Whether `day` is worked, in one read.
    func works(on day: LocalDate) throws -> Bool {
        let rows = try connection.query(
            "SELECT weekdays, (SELECT COUNT(*) FROM holidays WHERE day = ?) AS holiday FROM working_calendar WHERE one = 1",
            [.text(day.description)])
        guard let row = rows.first else { return true }
        guard try row.int("holiday") == 0 else { return false }
        return (WorkingCalendar.weekdays(try row.text("weekdays")) ?? Set(Weekday.allCases)).contains(Weekday(day))
    }
}

/// A stored slot offer: what a booking may name.
public struct StoredOffer: Sendable, Equatable {
    public var order: String
    public var client: String
    public var expires: Instant
    public var windowMinutes: Int
    public var starts: [Instant]
}

extension StoreTransaction {
    public func storeOffer(
        id: String, order: String, client: String, at: Instant, expires: Instant, windowMinutes: Int, starts: [Instant]
    ) throws {
        let instant = dialect.instantParameter
        try connection.execute(
            "INSERT INTO slot_offers (id, order_id, client, created_at, expires_at, window_minutes, starts) "
                + "VALUES (?, ?, ?, \(instant), \(instant), ?, ?)",
            [
                .text(id), .text(order), .text(client), .instant(at), .instant(expires), .integer(windowMinutes),
                .text(JSONValue.array(starts.map { .int($0.secondsSinceEpoch) }).text()),
            ])
    }

    public func offer(_ id: String) throws -> StoredOffer? {
        guard
            let row = try connection.query(
                "SELECT order_id, client, \(dialect.instantColumn("expires_at")), window_minutes, starts FROM slot_offers WHERE id = ?",
                [.text(id)]
            ).first
        else { return nil }
        let starts = try JSONValue(parsing: Data(try row.text("starts").utf8)).array?.compactMap(\.int) ?? []
        return StoredOffer(
            order: try row.text("order_id"), client: try row.text("client"), expires: Instant(secondsSinceEpoch: try row.int("expires_at")),
            windowMinutes: try row.int("window_minutes"), starts: starts.map(Instant.init(secondsSinceEpoch:)))
    }

    /// Removes offers that expired before `before`.
    public func pruneOffers(before: Instant) throws -> Int {
        try connection.execute("DELETE FROM slot_offers WHERE expires_at < \(dialect.instantParameter)", [.instant(before)])
    }
}

import Foundation

/// A day of the week.
public enum Weekday: String, CaseIterable, Hashable, Sendable, Comparable {
    case mon, tue, wed, thu, fri, sat, sun

    /// The weekday of a date (1970-01-01 was a Thursday).
    public init(_ date: LocalDate) {
        let days = ServiceTimeZone.daysSinceEpoch(date)
        self = Self.allCases[((days % 7) + 7 + 3) % 7]
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Which days are worked: the weekdays worked, and holidays not worked whatever their weekday
/// (docs/formats.md, `calendar:`). On a day not worked every technician is off.
public struct WorkingCalendar: Hashable, Sendable {
    public var weekdays: Set<Weekday>
    /// Holidays by date, with their names (nil when unnamed).
    public var holidays: [LocalDate: String?]

    /// Every day worked: the calendar until one is set.
    public static let everyDay = WorkingCalendar(weekdays: Set(Weekday.allCases), holidays: [:])

    public init(weekdays: Set<Weekday>, holidays: [LocalDate: String?] = [:]) {
        self.weekdays = weekdays
        self.holidays = holidays
    }

    public func works(on date: LocalDate) -> Bool { nonWorking(date) == nil }

    /// Why `date` is not worked ("a holiday (New Year)", "sun is not worked"), or nil when it is.
    public func nonWorking(_ date: LocalDate) -> String? {
        if let name = holidays[date] { return "a holiday" + (name.map { " (\($0))" } ?? "") }
        let weekday = Weekday(date)
        return weekdays.contains(weekday) ? nil : "\(weekday.rawValue) is not worked"
    }

    /// `mon,tue,wed`: the weekdays as stored and printed, in week order.
    public var weekdaysText: String { weekdays.sorted().map(\.rawValue).joined(separator: ",") }

    /// Weekdays from `mon,tue`, `mon-fri` or `mon-fri,sun`; nil for anything else.
    public static func weekdays(_ text: String) -> Set<Weekday>? {
        var days: Set<Weekday> = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            let ends = part.split(separator: "-").map(String.init)
            guard let first = ends.first.flatMap(Weekday.init(rawValue:)), let last = ends.last.flatMap(Weekday.init(rawValue:)),
                ends.count <= 2, first <= last
            else { return nil }
            days.formUnion(Weekday.allCases.filter { $0 >= first && $0 <= last })
        }
        return days.isEmpty ? nil : days
    }
}

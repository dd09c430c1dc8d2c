import DispatchStore
import SchedulingCore

extension DispatchOperations {
    /// The working calendar: the weekdays worked and the holidays.
    public func calendar() async throws -> WorkingCalendar {
        try await read { context in try context.tx.calendar() }
    }

    /// Sets the weekdays worked. Days already planned keep their published plans; from now on no
    /// slot is offered, no booking taken and nothing planned on a day not worked.
    public func setWorkingWeekdays(_ weekdays: Set<Weekday>) async throws -> WorkingCalendar {
        guard !weekdays.isEmpty else { throw OperationError.badInput("at least one weekday must be worked") }
        return try await perform { context in
            try context.tx.setWorkingWeekdays(weekdays)
            return try context.tx.calendar()
        }
    }

    /// Adds a holiday (a day not worked whatever its weekday), or removes one.
    public func setHoliday(_ day: LocalDate, name: String?, holiday: Bool) async throws -> WorkingCalendar {
        if let name, name.isEmpty || name.count > 200 { throw OperationError.badInput("--name: 1 to 200 characters") }
        return try await perform { context in
            if holiday {
                try context.tx.addHoliday(day, name: name)
            } else if try !context.tx.removeHoliday(day) {
                throw OperationError.notFound("\(day) is not a holiday")
            }
            return try context.tx.calendar()
        }
    }
}

import ArgumentParser
import DispatchOperations
import Foundation
import SchedulingCore

struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "The working calendar: the weekdays worked and the holidays.",
        discussion: """
            On a day not worked every technician is off: no slot is offered for it, no booking is taken, \
            the nightly job carries work past it, and a plan of it visits nobody. Until a calendar is set \
            every day is worked. A scenario file may set it too (`calendar:`, docs/formats.md).

              dispatch calendar show
              dispatch calendar weekdays mon-fri
              dispatch calendar holiday 2026-12-25 --name Christmas
              dispatch calendar holiday 2026-12-25 --remove
            """,
        subcommands: [Show.self, Weekdays.self, Holiday.self])

    static func print(_ calendar: WorkingCalendar, _ format: OutputFormat) {
        let holidays = calendar.holidays.sorted { $0.key < $1.key }
        switch format {
        case .json:
            Swift.print(
                JSONOutput.render([
                    "weekdays": calendar.weekdays.sorted().map(\.rawValue).json,
                    "holidays": .array(holidays.map { ["date": $0.key.description.json, "name": $0.value.json] }),
                ]))
        case .table:
            Swift.print("Weekdays worked: \(calendar.weekdaysText)")
            Swift.print(
                holidays.isEmpty
                    ? "No holidays."
                    : TextTable(header: ["HOLIDAY", "NAME"], rows: holidays.map { [$0.key.description, $0.value ?? ""] }).render())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the weekdays worked and the holidays.")

        @Option(help: "table for people, json for scripts.")
        var format: OutputFormat = .table

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in CalendarCommand.print(try await operations.calendar(), format) }
            }
        }
    }

    struct Weekdays: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set the weekdays worked (mon-fri, or mon,tue,sat, …).")

        @Argument(help: "The weekdays worked: a range (mon-fri), a list (mon,wed,fri), or both (mon-fri,sun).")
        var weekdays: String

        @OptionGroup var options: OperationOptions

        func validate() throws {
            if WorkingCalendar.weekdays(weekdays) == nil {
                throw ValidationError("'\(weekdays)' is not a list of weekdays (mon tue wed thu fri sat sun; e.g. mon-fri)")
            }
        }

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    CalendarCommand.print(try await operations.setWorkingWeekdays(WorkingCalendar.weekdays(weekdays) ?? []), .table)
                }
            }
        }
    }

    struct Holiday: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a holiday (a day not worked), or remove one.")

        @Argument(help: "The day, YYYY-MM-DD.")
        var date: String

        @Option(help: "What the holiday is called.")
        var name: String?

        @Flag(help: "Remove the holiday instead: the day is worked again if its weekday is.")
        var remove = false

        @OptionGroup var options: OperationOptions

        func validate() throws {
            if LocalDate(iso: date) == nil { throw ValidationError("'\(date)' is not a date of the form YYYY-MM-DD") }
            if remove, name != nil { throw ValidationError("--remove takes no --name") }
        }

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let day = LocalDate(iso: date)!
                    CalendarCommand.print(try await operations.setHoliday(day, name: name, holiday: !remove), .table)
                }
            }
        }
    }
}

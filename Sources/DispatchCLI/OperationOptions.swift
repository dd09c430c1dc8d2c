import ArgumentParser
import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

/// The one rule for the time a command acts at: `--now` when given, else the `DISPATCH_NOW`
/// environment variable when set (replaying a day in a shell, the docs test), else the clock.
/// `now` means the clock.
func actingClock(_ now: String?) throws -> any DispatchClock {
    let variable = ProcessInfo.processInfo.environment["DISPATCH_NOW"].flatMap { $0.isEmpty ? nil : $0 }
    guard let text = now ?? variable, text != "now" else { return SystemClock() }
    return FixedClock(try BadInput.instant(text, option: now == nil ? "DISPATCH_NOW" : "--now"))
}

/// `--now`, `--actor` and `--database`: what every command of the running operation shares.
struct OperationOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The time to act at, RFC 3339 with an offset (e.g. 2026-11-23T08:00:00+08:00); default: $DISPATCH_NOW, else the clock.",
            discussion: "Lets a day be replayed: notices fall due, deadlines run and windows close as at that time.",
            valueName: "time"))
    var now: String?

    @Option(
        help: ArgumentHelp(
            "Who does this, for the order's history (default: $USER, or 'dispatcher' when it is not set).", valueName: "name"))
    var actor: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let actor { try Self.checkActor(actor, option: "--actor") }
    }

    /// A name for the history: 1–64 characters, no control characters (it is printed in tables
    /// and logs).
    static func checkActor(_ actor: String, option: String) throws {
        guard actor.count <= InputLimits.actorLength, !actor.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw ValidationError(
                "\(option) must be at most \(InputLimits.actorLength) characters without control characters "
                    + "(it has \(actor.count))")
        }
    }

    func clock() throws -> any DispatchClock { try actingClock(now) }

    var who: String {
        if let actor, !actor.trimmingCharacters(in: .whitespaces).isEmpty { return actor }
        return ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "dispatcher"
    }

    /// Opens the database and runs `body` with the application layer on it.
    func withOperations(_ body: (DispatchOperations) async throws -> Void) async throws {
        try await database.withOperations(clock: try clock(), routing: try routingLimits()) { operations, _ in try await body(operations) }
    }
}

/// The limits on routing engines: the `DISPATCH_ROUTING_*` variables (docs/roads.md, "Limits").
func routingLimits() throws -> RoutingLimits {
    try RoutingLimits.from(environment: ProcessInfo.processInfo.environment)
}

extension BadInput {
    /// An RFC 3339 date-time with an offset, for options such as `--window`.
    /// Years a time given on the command line may fall in.
    static let years = 2000...2199

    static func instant(_ text: String, option: String) throws -> Instant {
        guard let instant = parseRFC3339(text) else {
            throw BadInput(
                message: "\(option) '\(text.prefix(60))' is not an RFC 3339 date-time with an offset from -12:00 to +14:00, "
                    + "e.g. 2026-11-23T09:00:00+08:00")
        }
        guard years.contains(ServiceTimeZone.utc.local(instant).date.year) else {
            throw BadInput(message: "\(option) '\(text.prefix(60))' is not between the years \(years.lowerBound) and \(years.upperBound)")
        }
        return instant
    }
}

extension OrderState: ExpressibleByArgument {}
extension ReasonSide: ExpressibleByArgument {}
extension CallbackAnswer: ExpressibleByArgument {}

extension PublishOutcome {
    /// `2 orders to rebooking (WO-1, WO-2), 3 notices queued`
    var summary: String {
        let rebooked = rebooked.isEmpty ? "" : " (\(rebooked.joined(separator: ", ")))"
        return "\(plural(self.rebooked.count, "order")) to rebooking\(rebooked), \(plural(noticesQueued, "notice")) queued"
    }
}

import ArgumentParser
import DispatchOperations
import DispatchStore
import SchedulingCore

struct Explain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain why an order is where it is in the published plan, or why it is not planned.",
        discussion: """
            For every technician: the first rule that keeps them from the order (absence, certification, \
            skills, territory, contract, quota, the window within the shift), or where it would fit in their \
            published day with every other published visit kept — the planner's own rules and insertion. \
            A coordinated visit is explained as a whole.

            Example:
              dispatch explain WO-1003 --now 2026-11-22T21:00:00+08:00
            """)

    @Argument(help: "The order.")
    var order: String

    @Option(help: ArgumentHelp("The day to explain it on (default: its service day), YYYY-MM-DD.", valueName: "date"))
    var date: String?

    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            let day = try date.map(BadInput.serviceDay)
            try await options.withOperations { operations in
                let explanation = try await operations.explain(order: order, date: day)
                print(ExplanationText.render(explanation))
            }
        }
    }
}

enum ExplanationText {
    static func render(_ explanation: Explanation) -> String {
        let zone = explanation.zone
        let work = explanation.order.order
        func clock(_ instant: Instant) -> String { zone.local(instant).time.description }
        let window = work.window.map { "window \(clock($0.start))–\(clock($0.end))" } ?? "no window"
        var lines = ["\(work.id): \(work.service.rawValue) \(work.type.rawValue) for \(work.customer.name ?? work.customer.id) "
            + "(\(work.customer.tier.rawValue)), \(window), \(work.durationMinutes) min, \(explanation.order.status), on \(explanation.date)"]
        if let group = work.group { lines.append("  one visit with the other orders of \(group)") }
        if explanation.visits.isEmpty {
            if let left = explanation.unassigned {
                lines.append("  not planned: \(left.code.rawValue) — \(left.reason)")
            } else {
                lines.append("  not in the published plan of \(explanation.date)")
            }
        } else {
            for visit in explanation.visits.sorted(by: { $0.start < $1.start }) {
                lines.append("  planned: \(visit.order) with \(visit.technician) at \(clock(visit.start))–\(clock(visit.end))"
                    + (visit.contact ? " (the customer's contact)" : ""))
            }
        }
        lines.append("Technicians (every other published visit kept):")
        let where_ = Set(explanation.visits.map(\.technician))
        let width = explanation.verdicts.map(\.technician.count).max() ?? 0
        for verdict in explanation.verdicts.sorted(by: { ($0.fits ? 0 : 1, $0.technician) < ($1.fits ? 0 : 1, $1.technician) }) {
            let mark = where_.contains(verdict.technician) ? " (where it is)" : ""
            lines.append("  \(verdict.technician.padding(toLength: width, withPad: " ", startingAt: 0))  \(verdict.fits ? "yes" : "no ")  \(verdict.reason)\(mark)")
        }
        return lines.joined(separator: "\n")
    }
}

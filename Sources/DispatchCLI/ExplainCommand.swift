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
    /// A reason kind as counted in the summary ("7 missing a skill").
    static func label(_ kind: String) -> String {
        switch kind {
        case "no room": "with no room in the window"
        case "quota": "at their contractor's quota"
        case "unreachable": "unable to reach the window in their shift"
        case "notice": "too late for the notice"
        case "group": "kept out by another order of the visit"
        case "pinned or locked": "not the one it is pinned or locked to"
        case "territory": "in other territories"
        case "contract": "kept out by their contract"
        case "skills": "missing a skill"
        case "not certified": "not certified that day"
        case "absent": "absent"
        default: kind
        }
    }

    static func render(_ explanation: Explanation) -> String {
        let zone = explanation.zone
        let work = explanation.order.order
        func clock(_ instant: Instant) -> String { zone.local(instant).time.description }
        let window = work.window.map { "window \(clock($0.start))–\(clock($0.end))" } ?? "no window"
        var lines = [
            "\(work.id): \(work.service.rawValue) \(work.type.rawValue) for \(work.customer.name ?? work.customer.id) "
                + "(\(work.customer.tier.rawValue)), \(window), \(work.durationMinutes) min, \(explanation.order.status), on "
                + "\(explanation.date)"
        ]
        if let group = work.group { lines.append("  one visit with the other orders of \(group)") }
        if explanation.visits.isEmpty {
            if let left = explanation.unassigned {
                lines.append("  not planned: \(left.code.rawValue) — \(left.reason)")
            } else {
                lines.append("  not in the published plan of \(explanation.date)")
            }
        } else {
            for visit in explanation.visits.sorted(by: { $0.start < $1.start }) {
                lines.append(
                    "  planned: \(visit.order) with \(visit.technician) at \(clock(visit.start))–\(clock(visit.end))"
                        + (visit.contact ? " (the customer's contact)" : ""))
            }
        }
        let verdicts = explanation.verdicts
        // The summary: how many technicians each reason keeps out, the commonest first.
        var counts: [String: Int] = [:]
        for verdict in verdicts { counts[verdict.fits ? "fits" : verdict.kind, default: 0] += 1 }
        let summary = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { kind, count in
            kind == "fits" ? "\(count) could take it" : "\(count) \(Self.label(kind))"
        }
        lines.append("Of \(verdicts.count) technicians: " + summary.joined(separator: ", "))
        // The closest first: those it fits, then those only short of room, then the rules, by how near they come.
        let order = [
            "fits", "no room", "quota", "unreachable", "notice", "group", "pinned or locked", "territory", "contract", "skills",
            "not certified", "absent",
        ]
        func rank(_ verdict: KeptDay.Verdict) -> Int { order.firstIndex(of: verdict.fits ? "fits" : verdict.kind) ?? order.count }
        lines.append("Technicians, closest first (every other published visit kept):")
        let placedWith = Set(explanation.visits.map(\.technician))
        let width = verdicts.map(\.technician.count).max() ?? 0
        for verdict in verdicts.sorted(by: {
            (rank($0), $0.start ?? .init(secondsSinceEpoch: 0)) < (rank($1), $1.start ?? .init(secondsSinceEpoch: 0))
                || (rank($0) == rank($1) && $0.start == $1.start && naturallyBefore($0.technician, $1.technician))
        }) {
            let mark = placedWith.contains(verdict.technician) ? " (where it is)" : ""
            // The reason wrapped under itself.
            lines.append(
                hanging(
                    "  \(verdict.technician.padding(toLength: width, withPad: " ", startingAt: 0))  \(verdict.fits ? "yes" : "no ")  ",
                    "\(verdict.reason)\(mark)"))
        }
        // What would help.
        var help: [String] = []
        if explanation.visits.isEmpty,
            let best = verdicts.filter(\.fits).min(by: { ($0.start?.secondsSinceEpoch ?? 0) < ($1.start?.secondsSinceEpoch ?? 0) })
        {
            help.append("dispatch assign \(work.id) --technician \(best.technician)     # it fits their day now")
        }
        if counts["no room", default: 0] > 0 || counts["unreachable", default: 0] > 0 {
            if work.window != nil {
                help.append("dispatch slots --order \(work.id) --days 3     # windows the plans can keep, to rebook with the customer")
            } else {
                help.append(
                    "dispatch move \(work.id) --date \(explanation.date.adding(days: 1))     # another day, around its published visits")
            }
        }
        if counts["skills", default: 0] + counts["territory", default: 0] + counts["not certified", default: 0] == verdicts.count,
            !verdicts.isEmpty
        {
            help.append("# nobody qualified works that day: technicians list --date \(explanation.date) says who could with which change")
        }
        if !help.isEmpty { lines += ["What would help:"] + help.map { "  " + $0 } }
        return lines.map { $0.count > TextTable.width && !$0.contains("\n") ? wrapped($0) : $0 }.joined(separator: "\n")
    }
}

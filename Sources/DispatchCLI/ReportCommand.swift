import ArgumentParser
import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The regulation's measures over a range of service days.",
        discussion: """
            On-time arrival, coordinated visits, pre-arrival notices sent, repairs within deadline, \
            company-caused rebooking, callback coverage and timeliness, satisfaction, repeat faults within \
            30 days, travel per visit, utilisation, contractor share, and the cost of each contractor's \
            completed work. Each figure shows its count (hits/counted) so it can be checked; docs/report.md \
            defines every one.

            Without --by the columns put broadband against phone and VIP against ordinary side by side \
            (Art. 89); --by splits by service, customer tier, territory, crew (of the technician of the \
            latest published plan) or service day.

            Examples:
              dispatch report --from 2026-11-01 --to 2026-11-30
              dispatch report --from 2026-11-01 --to 2026-11-30 --by crew --format csv > november.csv
            """)

    @Option(help: ArgumentHelp("The first service day, YYYY-MM-DD.", valueName: "date"))
    var from: String

    @Option(help: ArgumentHelp("The last service day, YYYY-MM-DD (inclusive).", valueName: "date"))
    var to: String

    @Option(help: ArgumentHelp("Split the figures: service, tier, territory, crew or day.", valueName: "grouping"))
    var by: ReportGrouping?

    @Option(help: "table for people; csv (measure, column, hits, counted, value) or json for scripts.")
    var format: ReportFormat = .table

    @OptionGroup var options: OperationOptions

    func run() async throws {
        try await reporting {
            let first = try BadInput.serviceDay(from, option: "--from")
            let last = try BadInput.serviceDay(to, option: "--to")
            try await options.withOperations { operations in
                let report = try await operations.report(from: first, to: last, by: by)
                switch format {
                case .table: print(ReportText.table(report))
                case .csv: print(ReportText.csv(report), terminator: "")
                case .json: print(JSONOutput.render(ReportText.json(report)))
                }
            }
        }
    }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
}

extension ReportGrouping: ExpressibleByArgument {}

enum ReportText {
    static func cell(_ measure: ReportMeasure, _ figure: ReportFigure?) -> String {
        guard let figure, let value = figure.value else { return "–" }
        if measure.isRate {
            return String(format: "%.1f%% (%d/%d)", value * 100, Int(figure.numerator.rounded()), figure.denominator)
        }
        return String(format: "%.1f (%d)", value, figure.denominator)
    }

    static func table(_ report: Report) -> String {
        let title =
            "Measures of \(report.from) to \(report.to): \(plural(report.orders, "order")) on \(plural(report.days, "service day"))"
            + (report.grouping.map { ", by \($0.rawValue)" } ?? "")
        let rows = ReportMeasure.allCases.map { measure in
            [measure.label] + report.columns.map { cell(measure, report.figure(measure, $0)) }
        }
        var lines = [title, TextTable(header: ["MEASURE"] + report.columns.map { $0 == "all" ? "ALL" : $0 }, rows: rows).render()]
        if !report.contractors.isEmpty {
            lines.append("Contractors:")
            lines.append(
                TextTable(
                    header: ["CREW", "NAME", "COMPLETED", "COST"],
                    rows: report.contractors.map {
                        [$0.crew, $0.name ?? "", "\($0.completed)", amount($0.cost, $0.currency)]
                    }
                ).render())
        }
        return lines.joined(separator: "\n")
    }

    static func csv(_ report: Report) -> String {
        func quoted(_ text: String) -> String {
            text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = ["measure,column,hits,counted,value"]
        for measure in ReportMeasure.allCases {
            for column in report.columns {
                guard let figure = report.figure(measure, column) else { continue }
                let value = figure.value.map { String(format: "%.4f", $0) } ?? ""
                lines.append(
                    [measure.rawValue, quoted(column), number(figure.numerator), "\(figure.denominator)", value].joined(separator: ","))
            }
        }
        for contractor in report.contractors {
            lines.append(["contractor_completed", quoted(contractor.crew), "\(contractor.completed)", "", ""].joined(separator: ","))
            lines.append(
                ["contractor_cost", quoted(contractor.crew), contractor.cost.description, "", contractor.currency].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ report: Report) -> JSONValue {
        let measures: [JSONValue] = ReportMeasure.allCases.map { measure in
            var values: [String: JSONValue] = [:]
            for column in report.columns {
                guard let figure = report.figure(measure, column) else { continue }
                values[column] = ["hits": figure.numerator.json, "counted": figure.denominator.json, "value": figure.value.json]
            }
            return [
                "measure": measure.rawValue.json, "label": measure.label.json, "rate": measure.isRate.json, "columns": .object(values),
            ]
        }
        return [
            "from": report.from.description.json, "to": report.to.description.json, "by": report.grouping?.rawValue.json ?? .null,
            "orders": report.orders.json, "days": report.days.json, "columns": report.columns.json, "measures": .array(measures),
            "contractors": .array(
                report.contractors.map {
                    [
                        "crew": $0.crew.json, "name": $0.name.json, "completed": $0.completed.json, "cost": $0.cost.description.json,
                        "currency": $0.currency.json,
                    ]
                }),
        ]
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}

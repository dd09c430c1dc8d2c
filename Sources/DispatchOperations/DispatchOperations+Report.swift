import DispatchStore
import SchedulingCore

extension DispatchOperations {
    /// The measures of the service days `from...to` (at most a year), in one read transaction.
    public func report(from: LocalDate, to: LocalDate, by grouping: ReportGrouping? = nil) async throws -> Report {
        guard from <= to else { throw OperationError.badInput("the first day \(from) is after the last \(to)") }
        guard from.adding(days: 366) > to else { throw OperationError.badInput("a report covers at most a year (\(from) to \(to))") }
        return try await read { context in
            let tx = context.tx
            // Repeat faults look 30 days back from the first day.
            let lookBack = from.adding(days: -30)
            var days: [LocalDate: ReportFacts.Day] = [:]
            for date in try tx.serviceDays(from: from, to: to) {
                guard let scenario = try tx.scenario(on: date) else { continue }
                days[date] = ReportFacts.Day(
                    scenario: scenario, plan: try context.previousPlan(try tx.publishedPlan(on: date), day: scenario))
            }
            let facts = ReportFacts(
                from: from, to: to, orders: try tx.orders(from: lookBack, to: to),
                events: Dictionary(grouping: try tx.events(ofOrdersFrom: lookBack, to: to), by: \.order),
                notices: Dictionary(grouping: try tx.notices(ofOrdersFrom: from, to: to), by: \.draft.order),
                callbacks: Dictionary(grouping: try tx.callbacks(ofOrdersFrom: from, to: to), by: \.order),
                days: days)
            return Report(facts, grouping: grouping)
        }
    }
}

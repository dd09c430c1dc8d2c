@testable import SchedulingCore
import Testing

/// The break is taken on arrival at the next stop; taking that stop away moves the break to a
/// farther one, which can push it past its latest start. Such removals must be reported.
@Suite("Break after removals")
struct BreakRemovalTests {
    static func order(_ id: String, _ lat: Double, _ start: String, _ minutes: Int, fixed: Bool) -> WorkOrder {
        let begin = parseRFC3339("2026-11-23T\(start):00Z")!
        return WorkOrder(
            id: id, type: .install, service: .broadband, customer: Customer(id: "C-\(id)", tier: .basic),
            location: GeoPoint(latitude: lat, longitude: 0), durationMinutes: minutes,
            window: TimeWindow(start: begin, end: fixed ? begin : begin.adding(minutes: 600)))
    }

    @Test("Removing the stop after the break reports an infeasible route instead of keeping it")
    func removalThatBreaksTheBreak() throws {
        let depot = GeoPoint(latitude: 0, longitude: 0)
        let scenario = Scenario(
            name: "break", timeZone: .utc, date: LocalDate(iso: "2026-11-23")!, now: parseRFC3339("2026-11-22T12:00:00Z")!,
            technicians: [Technician(id: "T", skills: ["broadband"], certifiedUntil: LocalDate(iso: "2027-01-01"),
                                     shift: Shift(start: LocalTime(hhmm: "08:00")!, end: LocalTime(hhmm: "20:00")!),
                                     startLocation: depot)],
            orders: [
                Self.order("B", 0.001, "11:00", 75, fixed: true),   // 11:00–12:15, fills the late morning
                Self.order("A", 0.002, "12:20", 60, fixed: true),   // 12:20–13:20
                Self.order("X", 0.003, "13:55", 30, fixed: false),  // a minute from A: break 13:21–13:51 on arrival
                Self.order("Y", 0.100, "14:30", 30, fixed: false),  // 11 km away
            ])
        let problem = PlanningProblem(scenario)
        var solution = Solution(problem: problem)
        let insertion = Insertion(problem: problem)
        for job in Job.all(problem) {
            let (placement, _) = try #require(insertion.best(job, in: solution))
            insertion.apply(placement, to: &solution)
        }
        #expect(solution.routes[0].feasible)
        let x = try #require(scenario.orders.firstIndex { $0.id == "X" })
        let breakBefore = try #require(solution.routes[0].breakIndex)
        #expect(solution.routes[0].elements[breakBefore + 1].order == x, "the break is taken on arrival at X")
        var trial = solution
        #expect(trial.remove([x], problem: problem) == false)
        #expect(!trial.routes[0].feasible)
    }
}

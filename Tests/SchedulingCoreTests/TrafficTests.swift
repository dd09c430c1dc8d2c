import PlanCheck
import Testing

@testable import SchedulingCore

/// Travel by time of day (issue 17): parts of the day multiply travel times, leaving later never
/// arrives earlier, and the planner, the checker and the unassigned codes drive by the same clock.
@Suite("Travel by time of day")
struct TrafficTests {
    static func time(_ text: String) -> LocalTime { LocalTime(hhmm: text)! }
    static let rush = [
        DayPart(start: time("07:00"), end: time("09:30"), factor: 1.6),
        DayPart(start: time("16:30"), end: time("19:00"), factor: 1.8),
    ]
    static let profile = TrafficProfile(parts: rush, midnight: 0)

    @Test("A leg inside a part takes factor times as long; one that runs out of it drives the rest at the base speed")
    func worked() {
        // 20 minutes at 08:00: wholly inside 07:00–09:30 at 1.6 → 32.
        #expect(Self.profile.arrival(leaving: 8 * 60, base: 20) == 8 * 60 + 32)
        // At 09:20: 10 minutes cover 6.25 base minutes, the other 13.75 after 09:30 → 09:43.75, so 09:44.
        #expect(Self.profile.arrival(leaving: 9 * 60 + 20, base: 20) == 9 * 60 + 44)
        // At 06:50: 10 minutes free, then 10 base minutes at 1.6 → 07:16.
        #expect(Self.profile.arrival(leaving: 6 * 60 + 50, base: 20) == 7 * 60 + 16)
        // Midday: the base time.
        #expect(Self.profile.arrival(leaving: 12 * 60, base: 20) == 12 * 60 + 20)
        #expect(Self.profile.arrival(leaving: 8 * 60, base: 0) == 8 * 60)
        #expect(TrafficProfile.flat.arrival(leaving: 8 * 60, base: 20) == 8 * 60 + 20)
    }

    @Test("FIFO: leaving later never arrives earlier; the latest departure agrees with the arrival to the minute")
    func fifo() {
        var generator = SeededGenerator(seed: 17)
        var straddling = 0
        for _ in 0..<300 {
            var parts: [DayPart] = []
            var clock = Int.random(in: 0...300, using: &generator)
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let start = clock + Int.random(in: 0...120, using: &generator)
                let end = start + Int.random(in: 1...180, using: &generator)
                guard end <= 1440 else { break }
                parts.append(
                    DayPart(
                        start: LocalTime(minutesAfterMidnight: start)!, end: LocalTime(minutesAfterMidnight: end)!,
                        factor: Double(Int.random(in: 3...30, using: &generator)) / 10))
                clock = end
            }
            let profile = TrafficProfile(parts: parts, midnight: 0)
            let base = Int.random(in: 1...90, using: &generator)
            var previous = Int.min
            for leaving in stride(from: 0, through: 1440, by: 7) {
                let arrival = profile.arrival(leaving: leaving, base: base)
                #expect(arrival >= previous, "leaving at \(leaving) arrives before leaving 7 minutes earlier")
                #expect(arrival > leaving)
                if profile.factor(at: leaving) != profile.factor(at: arrival - 1) { straddling += 1 }
                previous = arrival
                let latest = profile.departure(arriving: arrival, base: base)
                #expect(latest >= leaving && profile.arrival(leaving: latest, base: base) <= arrival)
                #expect(profile.arrival(leaving: latest + 1, base: base) > arrival)
            }
        }
        #expect(straddling > 100, "the case: legs that cross from one part into another")
    }

    /// A generated day with rush hours: the planner's plan passes the checker driving by the same
    /// clock; the same day planned as if traffic were flat breaks promises on the real roads.
    @Test("The planner and the checker agree by time of day; a plan that ignores the rush hour breaks H3 in it")
    func plannerAndCheckerAgree() {
        var day = CityDayGenerator(orders: 120, technicians: 12, seed: 4).scenario()
        day.travel.dayParts = Self.rush
        let plan = Solver(scenario: day, options: SolverOptions(seed: 1, iterations: 400)).plan()
        #expect(plan.visits.count > 40)
        #expect(PlanChecker(scenario: day).violations(of: plan) == [])
        var flat = day
        flat.travel.dayParts = []
        let naive = Solver(scenario: flat, options: SolverOptions(seed: 1, iterations: 400)).plan()
        #expect(PlanChecker(scenario: flat).violations(of: naive) == [])
        let broken = PlanChecker(scenario: day).violations(of: naive).filter { $0.hasPrefix("H3") }
        #expect(broken.contains { $0.contains("not enough time to travel") }, "the case: the flat plan is late in the rush hour")
        // Driving by the clock costs more travel than the flat plan claims.
        #expect(plan.kpis.travelMinutes > 0 && naive.kpis.travelMinutes > 0)
    }
}

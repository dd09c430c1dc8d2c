import Testing

@testable import SchedulingCore

/// A slot offer tries the new work on the routes that can take it only (`KeptDay.narrowed`):
/// where it fits, when it arrives, who comes and what it adds must be what the whole day gives.
@Suite("A trial on the routes that can take the work")
struct KeptDayNarrowingTests {
    @Test("Narrowed and whole days give the same fits, on generated days with and without territories", arguments: Array(1...6))
    func sameFits(_ seed: Int) {
        var generator = CityDayGenerator(orders: 80, technicians: 20, seed: UInt64(seed))
        if seed % 2 == 0 { generator.territoryCount = 3 }
        generator.pairShare = 0.3
        let scenario = generator.scenario()
        let plan = PlanningFixtures.plan(scenario, iterations: 60, seed: UInt64(seed))
        #expect(plan.visits.count > 0)
        var rng = SeededGenerator(seed: UInt64(seed) * 7 + 1)
        let windows = (8...16).map { hour in
            let start = scenario.timeZone.instant(on: scenario.date, at: LocalTime(minutesAfterMidnight: hour * 60)!)
            return TimeWindow(start: start, end: start.adding(minutes: 120))
        }
        var works: [[WorkOrder]] = []
        for index in 0..<6 {
            var order = scenario.orders[Int.random(in: 0..<scenario.orders.count, using: &rng)]
            order.id = "NEW-\(index)"
            order.group = nil
            order.window = nil
            order.pin = nil
            order.lock = nil
            works.append([order])
        }
        // A new coordinated visit: broadband and phone for one customer.
        var broadband = scenario.orders[0]
        broadband.id = "NEWG-B"
        broadband.group = "NEWG"
        broadband.service = .broadband
        broadband.skills = ["broadband"]
        broadband.window = nil
        broadband.pin = nil
        broadband.lock = nil
        var phone = broadband
        phone.id = "NEWG-P"
        phone.service = .phone
        phone.skills = ["phone"]
        works.append([broadband, phone])
        var narrowedSome = 0
        var fitted = 0
        for work in works {
            let whole = KeptDay(day: scenario, kept: plan.visits).fits(work, windows: windows, now: scenario.now)
            let narrowed = KeptDay.narrowed(day: scenario, kept: plan.visits, for: work)
            if narrowed.scenario.technicians.count < scenario.technicians.count { narrowedSome += 1 }
            let part = narrowed.fits(work, windows: windows, now: scenario.now)
            #expect(part == whole, "seed \(seed), work \(work.map(\.id))")
            fitted += whole.compactMap { $0 }.count
        }
        // The cases occurred: some trials left routes out, and some windows fit.
        #expect(narrowedSome > 0 && fitted > 0, "narrowed \(narrowedSome), fitted \(fitted)")
    }
}

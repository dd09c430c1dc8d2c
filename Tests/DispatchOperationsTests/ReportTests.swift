import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// The regulation's measures over a fixture month, each figure worked out by hand below.
///
/// The month has two working days (2026-11-23 and 24) with every order pinned to a technician
/// and a start, so the published plans are known in advance, and every status, notice and
/// callback happens at a time the test sets. Technicians start from one base; every customer
/// lives at one site, `leg` minutes of driving away (the travel model's own figure for that
/// distance), so each route drives base → site, stays there, and site → base: 2 × leg.
@Suite("Report", .serialized)
struct ReportTests {
    static let day1 = LocalDate(iso: "2026-11-23")!
    static let day2 = LocalDate(iso: "2026-11-24")!
    static let base = GeoPoint(latitude: 31.2304, longitude: 121.4737)
    static let site = GeoPoint(latitude: 31.2400, longitude: 121.4800)

    static func at(_ day: LocalDate, _ time: String) -> Instant {
        OperationFixtures.instant("\(day)T\(time):00+08:00")
    }

    static func technician(_ id: String, _ crew: String? = nil) -> Technician {
        var technician = OperationFixtures.technician(id, ["broadband", "phone"], lat: base.latitude, lon: base.longitude)
        technician.crewID = crew
        return technician
    }

    static func order(
        _ id: String, _ type: WorkType, _ service: Service, _ customer: String, _ tier: CustomerTier, day: LocalDate,
        window: (String, String)? = nil, group: String? = nil, pin: (String, String), minutes: Int,
        reported: Instant? = nil
    ) -> WorkOrder {
        var order = OperationFixtures.order(
            id, type, service, customer: customer, tier: tier, lat: site.latitude, lon: site.longitude,
            minutes: minutes, group: group)
        order.window = window.map { TimeWindow(start: at(day, $0.0), end: at(day, $0.1)) }
        order.reportedAt = reported
        order.pin = Pin(technicianID: pin.0, start: at(day, pin.1))
        return order
    }

    static let crew = Crew(
        id: "acme", name: "Acme Networks",
        contract: Contract(
            validFrom: LocalDate(iso: "2026-11-01")!, validTo: LocalDate(iso: "2026-12-31")!, workTypes: [.install, .move, .repair],
            services: [.broadband, .phone], maxOrdersPerDay: nil,
            prices: [.install: Money(cents: 12_000), .move: Money(cents: 10_000), .repair: Money(cents: 8_000)]))

    static func scenario(_ day: LocalDate, _ orders: [WorkOrder]) -> Scenario {
        Scenario(
            name: "month \(day)", timeZone: OperationFixtures.zone, date: day, now: at(LocalDate(iso: "2026-11-22")!, "10:00"),
            crews: [crew], technicians: [technician("T1"), technician("T2"), technician("T3"), technician("T9", "acme")],
            orders: orders)
    }

    /// Day 1: A (gold = VIP, broadband install), the group G1 (B1 broadband + B2 phone, two
    /// technicians), the repair R of customer C-1003, and X (phone install) for the contractor.
    static let firstDay = scenario(
        day1,
        [
            order("A", .install, .broadband, "C-1001", .gold, day: day1, window: ("09:00", "11:00"), pin: ("T1", "09:30"), minutes: 60),
            order(
                "B1", .install, .broadband, "C-1002", .silver, day: day1, window: ("13:00", "15:00"), group: "G1", pin: ("T2", "13:30"),
                minutes: 60),
            order(
                "B2", .install, .phone, "C-1002", .silver, day: day1, window: ("13:00", "15:00"), group: "G1", pin: ("T3", "13:30"),
                minutes: 30),
            order(
                "R", .repair, .broadband, "C-1003", .silver, day: day1, pin: ("T1", "11:00"), minutes: 45,
                reported: at(LocalDate(iso: "2026-11-22")!, "18:00")),
            order("X", .install, .phone, "C-1004", .basic, day: day1, window: ("14:00", "16:00"), pin: ("T9", "14:30"), minutes: 30),
        ])

    /// Day 2: the group G2 (C1 + C2, diamond = VIP), R2 (C-1003's fault again), Y (a move the
    /// company has to rebook), Z (a basic repair reported two days before, for the contractor).
    static let secondDay = scenario(
        day2,
        [
            order(
                "C1", .install, .broadband, "C-1005", .diamond, day: day2, window: ("10:00", "12:00"), group: "G2", pin: ("T2", "10:00"),
                minutes: 60),
            order(
                "C2", .install, .phone, "C-1005", .diamond, day: day2, window: ("10:00", "12:00"), group: "G2", pin: ("T3", "10:00"),
                minutes: 30),
            order("R2", .repair, .broadband, "C-1003", .silver, day: day2, pin: ("T1", "09:00"), minutes: 45, reported: at(day2, "08:00")),
            order("Y", .move, .broadband, "C-1006", .silver, day: day2, window: ("13:00", "15:00"), pin: ("T1", "13:00"), minutes: 60),
            order(
                "Z", .repair, .phone, "C-2000", .basic, day: day2, pin: ("T9", "15:00"), minutes: 45,
                reported: at(LocalDate(iso: "2026-11-22")!, "09:00")),
        ])

    /// Replays the month through the application layer and returns it with the notices file.
    static func month(_ database: TestDatabase) async throws -> DispatchOperations {
        _ = try await database.store.migrate()
        _ = try await database.store.importScenario(firstDay)
        _ = try await database.store.importScenario(secondDay)
        let clock = TestClock("2026-11-22T10:00:00+08:00")
        let operations = DispatchOperations(store: database.store, clock: clock)
        for day in [day1, day2] { try await OperationFixtures.planAndPublish(operations, day) }
        let noticesFile = FileManager.default.temporaryDirectory.appendingPathComponent("report-notices-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: noticesFile) }
        let sink = try NoticeSinks.make("file:\(noticesFile.path)")
        func now(_ day: LocalDate, _ time: String) { clock.set("\(day)T\(time):00+08:00") }
        func status(_ order: String, _ state: OrderState, _ day: LocalDate, _ time: String, speed: Bool = false) async throws {
            now(day, time)
            _ = try await operations.setStatus(order: order, to: state, details: speed ? ["speed_test_mbps": "90"] : [:], actor: "field")
        }
        func visit(_ order: String, _ day: LocalDate, _ onSite: String, done: String, speed: Bool = false) async throws {
            try await status(order, .enRoute, day, onSite == "09:00" ? "08:40" : "08:35")
            try await status(order, .onSite, day, onSite)
            try await status(order, .completed, day, done, speed: speed)
        }
        func answer(_ order: String, _ day: LocalDate, _ time: String, _ answer: CallbackAnswer, cause: CallbackCause = .completion)
            async throws
        {
            now(day, time)
            let tasks = try await database.store.transaction { try $0.callbacks(of: order) }
            let task = try #require(tasks.first(where: { $0.cause == cause && $0.answer == nil }))
            _ = try await operations.recordCallback(
                task.id, answer: answer, reason: answer == .dissatisfied ? "too slow" : nil, agent: "desk")
        }

        // Day 1. Pre-arrival notices at 09:00 (A's, due 09:00) and 10:40 (R's, due 10:30); none later that day.
        now(day1, "09:00")
        _ = try await operations.sendNotices(to: sink)
        try await visit("A", day1, "09:35", done: "10:35", speed: true)
        now(day1, "10:40")
        _ = try await operations.sendNotices(to: sink)
        try await visit("R", day1, "11:05", done: "12:00")
        try await visit("B1", day1, "13:30", done: "14:30", speed: true)
        try await visit("B2", day1, "13:32", done: "14:00")
        try await visit("X", day1, "16:20", done: "16:50")  // the window ended at 16:00
        now(day1, "17:00")
        _ = try await operations.addComplaint(order: "X", text: "technician late", actor: "desk")
        try await answer("A", day1, "15:00", .satisfied)
        try await answer("B1", day1, "17:00", .dissatisfied)  // its follow-up is never answered
        try await answer("X", day1, "18:30", .satisfied, cause: .complaint)

        // Day 2. Y is rebooked by the company; notices at 09:35 (R2's and G2's; day 1's stale ones go too, after their visits).
        now(day2, "08:00")
        _ = try await operations.setStatus(order: "Y", to: .rebooking, reason: "van broke down", side: .company, actor: "desk")
        try await visit("R2", day2, "09:05", done: "09:50")
        now(day2, "09:35")
        _ = try await operations.sendNotices(to: sink)
        try await visit("C1", day2, "10:02", done: "11:00", speed: true)
        try await visit("C2", day2, "10:25", done: "10:55")
        try await visit("Z", day2, "15:00", done: "15:40")
        try await answer("R", day2, "10:00", .verySatisfied)
        try await answer("R2", day2, "11:00", .satisfied)
        try await answer("C1", day2, "12:00", .verySatisfied)
        try await answer("Z", day2, "16:00", .dissatisfied)
        try await answer("Z", day2, "17:00", .satisfied, cause: .followUp)
        try await answer("X", LocalDate(iso: "2026-11-27")!, "12:00", .satisfied)  // 3 days and 19 hours after completion
        return operations
    }

    static func expect(
        _ report: Report, _ measure: ReportMeasure, _ column: String, _ hits: Double, _ counted: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            report.figure(measure, column) == ReportFigure(numerator: hits, denominator: counted),
            "\(measure.rawValue) [\(column)]", sourceLocation: sourceLocation)
    }

    @Test("The fixture month's figures, broadband against phone and VIP against ordinary", arguments: Backend.all)
    func fixtureMonth(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let operations = try await Self.month(database)
            let report = try await operations.report(from: LocalDate(iso: "2026-11-01")!, to: LocalDate(iso: "2026-11-30")!)
            #expect(report.orders == 10 && report.days == 2)
            #expect(report.columns == ["all", "broadband", "phone", "VIP", "ordinary"])
            // broadband: A B1 R C1 R2 Y; phone: B2 X C2 Z; VIP (gold, diamond): A C1 C2; ordinary: the other seven.

            // On time = arrival ≤ window end, over orders with a window that were visited:
            // A 09:35≤11 ✓, B1 13:30≤15 ✓, B2 ✓, X 16:20>16:00 ✗, C1 10:02≤12 ✓, C2 10:25 ✓ (Y never visited).
            Self.expect(report, .onTimeArrival, "all", 5, 6)
            Self.expect(report, .onTimeArrival, "broadband", 3, 3)  // A B1 C1
            Self.expect(report, .onTimeArrival, "phone", 2, 3)  // B2 ✓ X ✗ C2 ✓
            Self.expect(report, .onTimeArrival, "VIP", 3, 3)  // A C1 C2
            Self.expect(report, .onTimeArrival, "ordinary", 2, 3)  // B1 B2 X

            // Coordinated: G1 arrivals 13:30 and 13:32 (two technicians, 2 min apart) ✓ for B1 and B2;
            // G2 arrivals 10:02 and 10:25 (23 min apart) ✗ for C1 and C2.
            Self.expect(report, .coordinatedVisits, "all", 2, 4)
            Self.expect(report, .coordinatedVisits, "broadband", 1, 2)  // B1 ✓ C1 ✗
            Self.expect(report, .coordinatedVisits, "VIP", 0, 2)  // C1 C2
            Self.expect(report, .coordinatedVisits, "ordinary", 2, 2)  // B1 B2

            // Pre-arrival notice sent before the arrival, over visited orders: A (09:00) ✓, R (10:40) ✓,
            // B1 B2 ✗ (G1's went out the next morning), X ✗, R2 (09:35 ≤ 09:05? no: sent after arrival) ✗,
            // C1 C2 ✓ (G2's contact told at 09:35, first arrival 10:02), Z ✗.
            Self.expect(report, .noticeSent, "all", 4, 9)
            Self.expect(report, .noticeSent, "broadband", 3, 5)  // A ✓ R ✓ B1 ✗ C1 ✓ R2 ✗
            Self.expect(report, .noticeSent, "phone", 1, 4)  // B2 ✗ X ✗ C2 ✓ Z ✗
            Self.expect(report, .noticeSent, "VIP", 3, 3)

            // Completed repairs within their deadline: R 12:00 ≤ 23rd 18:00 (silver, 24 h) ✓;
            // R2 09:50 ≤ 25th 08:00 ✓; Z (basic, 48 h from the 22nd 09:00 = 24th 09:00) done 15:40 ✗.
            Self.expect(report, .repairsWithinDeadline, "all", 2, 3)
            Self.expect(report, .repairsWithinDeadline, "broadband", 2, 2)
            Self.expect(report, .repairsWithinDeadline, "phone", 0, 1)
            #expect(report.figure(.repairsWithinDeadline, "VIP") == nil)  // no VIP repair: nothing to count

            // Company-caused rebooking over orders ever scheduled (all ten): Y.
            Self.expect(report, .companyRebooking, "all", 1, 10)
            Self.expect(report, .companyRebooking, "broadband", 1, 6)
            Self.expect(report, .companyRebooking, "phone", 0, 4)

            // Callbacks owed: a completion callback for each of the nine completed orders (all
            // installs or repairs) and one for X's complaint = 10.
            // Answered: all but B2 and C2 = 8. In time (completion within 3 days, complaint within
            // 2 h): not B2, C2 (never), not X's completion (the 27th 12:00 > the 26th 16:50) = 7.
            // Same day (completion only, 9): A, B1, R2, C1, Z = 5 (R the next day, X late, B2 C2 never).
            Self.expect(report, .callbackCoverage, "all", 8, 10)
            Self.expect(report, .callbackTimeliness, "all", 7, 10)
            Self.expect(report, .callbacksSameDay, "all", 5, 9)
            Self.expect(report, .callbackCoverage, "phone", 3, 5)  // B2 ✗ X ✓ C2 ✗ Z ✓ complaint ✓
            Self.expect(report, .callbackTimeliness, "phone", 2, 5)  // Z ✓ complaint ✓
            Self.expect(report, .callbacksSameDay, "ordinary", 3, 6)  // R ✗ B1 ✓ B2 ✗ X ✗ R2 ✓ Z ✓

            // Satisfaction over every answer: A s, R vs, B1 d, X s, X's complaint s, R2 s, C1 vs,
            // Z d, Z's follow-up s = 7 of 9 (B1's follow-up has no answer).
            Self.expect(report, .satisfaction, "all", 7, 9)
            Self.expect(report, .satisfaction, "VIP", 2, 2)  // A C1
            Self.expect(report, .satisfaction, "phone", 3, 4)  // X X-complaint Z✗ Z-follow-up

            // Repeat faults: R2 was reported (24th 08:00) within 30 days of R's completion (23rd 12:00);
            // R and Z had no earlier repair.
            Self.expect(report, .repeatFaults, "all", 1, 3)
            Self.expect(report, .repeatFaults, "broadband", 1, 2)

            // Contractor share of completed orders: X and Z of nine; at 120 + 80 under acme's contract.
            Self.expect(report, .contractorShare, "all", 2, 9)
            Self.expect(report, .contractorShare, "broadband", 0, 5)
            Self.expect(report, .contractorShare, "phone", 2, 4)
            #expect(report.contractors == [ContractorFigure(crew: "acme", name: "Acme Networks", completed: 2, cost: Money(cents: 20_000))])

            // Travel: eight routes (four a day; Y was taken off T1's second day) each drive 2 × leg,
            // over nine visits. A and R share T1's first route (leg each); the others drive alone.
            let leg = Double(TravelModel().minutes(from: Self.base, to: Self.site))
            #expect(leg > 0)
            Self.expect(report, .travelPerVisit, "all", 16 * leg, 9)
            Self.expect(report, .travelPerVisit, "broadband", 8 * leg, 5)  // A leg, R leg, B1 2, C1 2, R2 2
            // Utilisation: work 225 min (day 1: 60+45+60+30+30) + 180 (day 2: 60+30+45+45) plus the
            // travel, over four technicians × 540 min × 2 days.
            Self.expect(report, .utilisation, "all", 405 + 16 * leg, 4320)
            #expect(report.figure(.utilisation, "phone") == nil)  // a technician's measure, not an order's

            // By crew: the contractor's orders against the in-house ones.
            let byCrew = try await operations.report(from: Self.day1, to: Self.day2, by: .crew)
            #expect(byCrew.columns == ["all", "acme", "in-house", "unassigned"])
            Self.expect(byCrew, .contractorShare, "acme", 2, 2)
            Self.expect(byCrew, .onTimeArrival, "acme", 0, 1)  // X
            Self.expect(byCrew, .utilisation, "acme", 75 + 4 * leg, 1080)  // X 30 + Z 45, T9 two days
            Self.expect(byCrew, .companyRebooking, "unassigned", 1, 1)  // Y, off every plan now

            // A day outside the range changes nothing; a range with no day counts nothing.
            let dayOne = try await operations.report(from: Self.day1, to: Self.day1)
            #expect(dayOne.orders == 5)
            Self.expect(dayOne, .onTimeArrival, "all", 3, 4)
            let empty = try await operations.report(from: LocalDate(iso: "2026-10-01")!, to: LocalDate(iso: "2026-10-31")!)
            #expect(empty.orders == 0 && empty.figure(.onTimeArrival) == nil)
            await #expect(throws: OperationError.self) { _ = try await operations.report(from: Self.day2, to: Self.day1) }
        }
    }
}

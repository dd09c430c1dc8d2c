import PlanCheck
import Testing

@testable import SchedulingCore

/// The checker is tested by breaking valid plans one rule at a time.
@Suite("Plan checker")
struct PlanCheckerTests {
    struct Breakage: CustomTestStringConvertible, Sendable {
        let scenario: String
        let rule: String
        let label: String
        let breakPlan: @Sendable (inout Plan) -> Void
        var testDescription: String { "\(rule): \(label)" }
    }

    static func visit(_ plan: inout Plan, _ order: String, _ change: (inout PlannedVisit) -> Void) {
        let index = plan.visits.firstIndex { $0.order == order }!
        change(&plan.visits[index])
    }

    static func shift(_ visit: inout PlannedVisit, minutes: Int) {
        visit.start = visit.start.adding(minutes: minutes)
        visit.end = visit.end.adding(minutes: minutes)
        visit.noticeAt = visit.noticeAt.adding(minutes: minutes)
    }

    static let breakages: [Breakage] = [
        Breakage(scenario: "qualification", rule: "H1", label: "an uncertified technician") { plan in
            visit(&plan, "WO-Q2") { $0.technician = "T-NOCERT" }
        },
        Breakage(scenario: "appointment-window", rule: "H2", label: "a start after the window") { plan in
            visit(&plan, "WO-W1") { shift(&$0, minutes: 90) }
        },
        Breakage(scenario: "appointment-window", rule: "H3", label: "an end that is not start + duration") { plan in
            visit(&plan, "WO-W1") { $0.end = $0.end.adding(minutes: -5) }
        },
        Breakage(scenario: "shift-and-break", rule: "H3", label: "returning after the shift") { plan in
            plan.routes[0].returnAt = plan.routes[0].returnAt.adding(minutes: 120)
        },
        Breakage(scenario: "appointment-window", rule: "H3", label: "no time to drive between visits") { plan in
            let route = plan.routes.first { $0.orders.count >= 2 }!
            let first = plan.visits.first { $0.order == route.orders[0] }!
            visit(&plan, route.orders[1]) {
                $0.start = first.end
                $0.end = first.end.adding(minutes: 60)
                $0.noticeAt = first.end.adding(minutes: -30)
            }
        },
        Breakage(scenario: "shift-and-break", rule: "H4", label: "a break outside its range") { plan in
            plan.routes[0].breakStart = plan.routes[0].breakStart!.adding(minutes: -200)
        },
        Breakage(scenario: "shift-and-break", rule: "H4", label: "no break") { plan in
            plan.routes[0].breakStart = nil
        },
        Breakage(scenario: "coordinated-visit", rule: "H5", label: "two contacts") { plan in
            for index in plan.visits.indices where plan.visits[index].group == "ORD-501" { plan.visits[index].contact = true }
        },
        Breakage(scenario: "coordinated-visit", rule: "H5", label: "half a group") { plan in
            plan.visits.removeAll { $0.order == "WO-1002" }
            plan.routes[0].orders.removeAll { $0 == "WO-1002" }
            plan.kpis.assigned -= 1
            plan.unassigned.append(UnassignedOrder(order: "WO-1002", code: .displaced, reason: ""))
        },
        Breakage(scenario: "coordinated-visit", rule: "H5", label: "members not back to back") { plan in
            visit(&plan, "WO-1002") { shift(&$0, minutes: 10) }
        },
        Breakage(scenario: "pre-arrival-notice", rule: "H6", label: "an arrival inside the notice") { plan in
            visit(&plan, "WO-N2") { shift(&$0, minutes: -10) }
        },
        Breakage(scenario: "pinned-and-locked", rule: "H7", label: "a locked visit moved") { plan in
            visit(&plan, "WO-P3") { shift(&$0, minutes: 15) }
        },
        Breakage(scenario: "pinned-and-locked", rule: "H7", label: "a pinned visit on another technician") { plan in
            visit(&plan, "WO-P1") { $0.technician = "T-P1" }
        },
        Breakage(scenario: "outsourced-crew", rule: "H8", label: "a contractor over quota") { plan in
            let last = plan.visits.filter { $0.technician == "T-ACME-1" }.map(\.end).max()!
            plan.unassigned.removeAll { $0.order == "WO-C2" }
            plan.visits.append(
                PlannedVisit(
                    order: "WO-C2", technician: "T-ACME-1", start: last.adding(minutes: 20),
                    end: last.adding(minutes: 80), noticeAt: last.adding(minutes: -10), group: nil, contact: false))
        },
        Breakage(scenario: "territory", rule: "H9", label: "an order missing") { plan in
            plan.unassigned.removeAll { $0.order == "WO-T3" }
        },
        Breakage(scenario: "outsourced-crew", rule: "code", label: "a false code") { plan in
            let index = plan.unassigned.firstIndex { $0.order == "WO-C4" }!
            plan.unassigned[index].code = .displaced
        },
        Breakage(scenario: "appointment-window", rule: "code", label: "an unreachable window called unqualified") { plan in
            let index = plan.unassigned.firstIndex { $0.order == "WO-W3" }!
            plan.unassigned[index].code = .noQualifiedTechnician
        },
        Breakage(scenario: "coordinated-visit", rule: "KPI", label: "travel that does not add up") { plan in
            plan.routes[0].travelMinutes += 7
        },
    ]

    @Test("Each broken rule is reported, and only then", arguments: breakages)
    func detects(_ breakage: Breakage) throws {
        let scenario = try PlanningFixtures.load(breakage.scenario)
        var plan = PlanningFixtures.plan(scenario)
        #expect(PlanningFixtures.violations(plan, scenario) == [], "the unbroken plan must be valid")
        breakage.breakPlan(&plan)
        let violations = PlanningFixtures.violations(plan, scenario)
        #expect(violations.contains { $0.hasPrefix(breakage.rule + " ") }, "\(violations)")
    }
}

/// Found by the concurrency harness (SQLite, `check --date`: "H5 ORD-239: T027 starts more than 0
/// minutes after the group's arrival"): the broadband half of a pair done by two technicians was
/// completed ahead of its planned start (its lock still says the planned start, later than now),
/// and the phone half was delayed. The operation counted the customer as reached (a member was
/// done) and kept the late half; the checker did not, because no lock had started by its clock.
@Suite("Coordinated visits begun")
struct CoordinatedVisitBegunTests {
    static func technician(_ id: String, _ skills: [String]) -> Technician {
        Technician(
            id: id, skills: skills, certifiedUntil: LocalDate(iso: "2027-01-01"),
            shift: Shift(start: LocalTime(hhmm: "08:00")!, end: LocalTime(hhmm: "17:00")!),
            startLocation: GeoPoint(latitude: 0, longitude: 0))
    }

    /// A pair (broadband and phone, an hour each, at one place) planned the day before.
    static func pair(_ technicians: [Technician]) -> Scenario {
        func order(_ id: String, _ service: Service) -> WorkOrder {
            var order = WorkOrder(
                id: id, type: .install, service: service, customer: Customer(id: "C-1", tier: .basic),
                location: GeoPoint(latitude: 0.01, longitude: 0), durationMinutes: 60)
            order.group = "ORD-1"
            return order
        }
        return Scenario(
            name: "pair", timeZone: .utc, date: LocalDate(iso: "2026-11-23")!, now: parseRFC3339("2026-11-22T12:00:00Z")!,
            technicians: technicians, orders: [order("WO-B", .broadband), order("WO-P", .phone)])
    }

    @Test("A member finished ahead of its locked start means the visit began: the rest may follow later")
    func finishedMemberMeansBegun() throws {
        var scenario = Self.pair([Self.technician("T-B", ["broadband"]), Self.technician("T-P", ["phone"])])
        var plan = PlanningFixtures.plan(scenario)
        let broadband = try #require(plan.visits.first { $0.order == "WO-B" })
        let phone = try #require(plan.visits.firstIndex { $0.order == "WO-P" })
        #expect(broadband.technician != plan.visits[phone].technician, "the case: two technicians")
        // At 08:00 the broadband half is done (announced, locked where planned, later than now);
        // the phone half was delayed by an hour.
        scenario.now = parseRFC3339("2026-11-23T08:00:00Z")!
        let index = try #require(scenario.orders.firstIndex { $0.id == "WO-B" })
        scenario.orders[index].lock = Lock(technicianID: broadband.technician, start: broadband.start)
        #expect(broadband.start > scenario.now)
        PlanCheckerTests.shift(&plan.visits[phone], minutes: 60)
        let arrival = { (violations: [String]) in violations.filter { $0.contains("after the group's arrival") } }
        #expect(!arrival(PlanChecker(scenario: scenario).violations(of: plan)).isEmpty, "not begun: the halves start together")
        #expect(arrival(PlanChecker(scenario: scenario, finished: ["WO-B"]).violations(of: plan)) == [])

        // Found by the concurrency harness: the broadband half done, the phone half (its customer
        // was out) booked into a new window later that day. The group's arrival, the broadband
        // half's start, lies outside that window: the half still to come is held to its own.
        let late = plan.visits[phone].start
        let windowIndex = try #require(scenario.orders.firstIndex { $0.id == "WO-P" })
        scenario.orders[windowIndex].window = TimeWindow(start: late.adding(minutes: -30), end: late.adding(minutes: 90))
        #expect(broadband.start < late.adding(minutes: -30), "the case: the group's arrival outside the new window")
        let windows = { (violations: [String]) in violations.filter { $0.hasPrefix("H2") } }
        #expect(windows(PlanChecker(scenario: scenario).violations(of: plan)) == ["H2 ORD-1: the group's arrival is outside WO-P's window"])
        #expect(windows(PlanChecker(scenario: scenario, finished: ["WO-B"]).violations(of: plan)) == [])
        // Neither the group's arrival nor its own start in its window: found.
        scenario.orders[windowIndex].window = TimeWindow(start: late.adding(minutes: 30), end: late.adding(minutes: 150))
        #expect(
            windows(PlanChecker(scenario: scenario, finished: ["WO-B"]).violations(of: plan))
                == ["H2 ORD-1: the group's arrival is outside WO-P's window"])
        // A half that follows its partner late keeps the group's window: the customer was reached in it.
        scenario.orders[windowIndex].window = TimeWindow(
            start: broadband.start.adding(minutes: -30), end: broadband.start.adding(minutes: 30))
        #expect(windows(PlanChecker(scenario: scenario, finished: ["WO-B"]).violations(of: plan)) == [])
    }

    /// Found by bench/concurrency.sh: one technician's half of a pair on site ahead of its planned
    /// start (its lock still says that start, later than now), the other half delayed and locked
    /// where it was announced again, after the first ends. That is a visit begun: the second half
    /// follows, not back to back. Unlocked at the same place, it is a broken pair.
    @Test("A member locked later than the end of the one before it on one technician means the visit began")
    func lockedApartMeansBegun() throws {
        var scenario = Self.pair([Self.technician("T-1", ["broadband", "phone"])])
        var plan = PlanningFixtures.plan(scenario)
        let first = try #require(plan.visits.first { $0.order == "WO-B" })
        let second = try #require(plan.visits.firstIndex { $0.order == "WO-P" })
        #expect(plan.visits[second].technician == first.technician && plan.visits[second].start == first.end, "the case: back to back")
        scenario.now = first.start.adding(minutes: -60)
        func lock(_ id: String, _ start: Instant) throws {
            let index = try #require(scenario.orders.firstIndex { $0.id == id })
            scenario.orders[index].lock = Lock(technicianID: first.technician, start: start)
        }
        try lock("WO-B", first.start)
        PlanCheckerTests.shift(&plan.visits[second], minutes: 25)
        let pairRules = { (violations: [String]) in violations.filter { $0.hasPrefix("H5") } }
        #expect(
            pairRules(PlanChecker(scenario: scenario).violations(of: plan)) == [
                "H5 ORD-1: T-1's members WO-B and WO-P are not back to back"
            ])
        try lock("WO-P", plan.visits[second].start)
        #expect(pairRules(PlanChecker(scenario: scenario).violations(of: plan)) == [])
        // Planned from the day as it stands, both halves keep their places.
        let replanned = PlanningFixtures.plan(scenario)
        #expect(replanned.visits.map(\.start).sorted() == [first.start, plan.visits[second].start])
        #expect(PlanningFixtures.violations(replanned, scenario) == [])
    }
}

import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

/// Collects what a simulated day's notices say, when they were delivered.
actor SimulatedSink: NoticeSink {
    struct Delivery: Sendable {
        let notice: StoredNotice
        let at: Instant
    }

    private(set) var deliveries: [Delivery] = []
    private let clock: any DispatchClock

    init(clock: any DispatchClock) { self.clock = clock }

    func deliver(_ notice: StoredNotice) async throws { deliveries.append(Delivery(notice: notice, at: clock.now())) }
}

/// The simulated clock: minutes go by as the simulation says.
final class SimulatedClock: DispatchClock, @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var current: Instant
    init(_ start: Instant) { current = start }
    func now() -> Instant { lock.withLock { current } }
    func advance(minutes: Int) { lock.withLock { current = current.adding(minutes: minutes) } }
}

extension DispatchOperations {
    /// A discrete-event simulation of the day `date` through the real application layer, on a
    /// scratch copy (`scratch` makes an empty store; the source is only read): technicians drive and
    /// work with random variation around the plan and report their states as the API would;
    /// notices are sent every simulated minute; the day's events happen at random or as scripted.
    /// After every event an independent check verifies the promises (`SimulationChecks`).
    public func simulate(
        date: LocalDate, scratch: @escaping @Sendable () async throws -> any DispatchStore,
        options: SimulationOptions, progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> SimulationReport {
        guard let (day, plan, _, _, _) = try await publishedForCheck(date) else {
            throw OperationError.notFound(
                "no published plan of \(date): plan and publish the day first (dispatch plan --date \(date) --commit)")
        }
        let problems = ScriptedEvent.problems(options.script ?? [], on: day)
        guard problems.isEmpty else {
            let listed = problems.prefix(10).joined(separator: "; ")
            throw OperationError.badInput(
                "the scripted events do not fit the day \(date): \(listed)\(problems.count > 10 ? "; and \(problems.count - 10) more" : "")"
            )
        }
        var report = SimulationReport(runs: options.runs)
        for run in 0..<max(1, options.runs) {
            let store = try await scratch()
            defer { Task { await store.close() } }
            let simulation = try await DaySimulation(run: run, day: day, plan: plan, store: store, options: options)
            try await simulation.play(into: &report)
            progress("run \(run + 1) of \(options.runs): \(report.violations.count) violations so far")
        }
        return report
    }
}

/// One simulated day on its own scratch store.
final class DaySimulation {
    enum Phase { case idle, driving, working }

    struct Agent {
        let technician: Technician
        var location: GeoPoint
        var phase: Phase = .idle
        var order: String?
        var until = Instant(secondsSinceEpoch: 0)
        var arrivedAt = Instant(secondsSinceEpoch: 0)
        var gone = false
        var reportedLate = false
    }

    let run: Int
    let day: Scenario
    let store: any DispatchStore
    let options: SimulationOptions
    let clock: SimulatedClock
    let operations: DispatchOperations
    let sink: SimulatedSink
    var random: SeededGenerator
    var agents: [Agent]
    let orders: [String: WorkOrder]
    /// Orders whose customer will not be at home, drawn (or scripted) before the day: every
    /// order of a coordinated visit, since both halves find the same door shut.
    var absentCustomers: Set<String> = []
    var scripted: [(at: Instant, event: ScriptedEvent)] = []
    var randomEvents: [(at: Instant, kind: String)] = []
    var urgentCount = 0
    let checks: SimulationChecks

    init(run: Int, day: Scenario, plan: Plan, store: any DispatchStore, options: SimulationOptions) async throws {
        self.run = run
        self.day = day
        self.store = store
        self.options = options
        random = SeededGenerator(seed: options.seed &+ UInt64(run) &* 0x9E37_79B9)
        let firstShift = day.technicians.map(\.shift.start).min() ?? LocalTime(minutesAfterMidnight: 480)!
        clock = SimulatedClock(day.timeZone.instant(on: day.date, at: firstShift).adding(minutes: -60))
        operations = DispatchOperations(store: store, clock: clock)
        sink = SimulatedSink(clock: clock)
        agents = day.technicians.map { Agent(technician: $0, location: $0.startLocation) }
        orders = Dictionary(day.orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        checks = SimulationChecks(run: run, operations: operations, date: day.date)
        // The scratch copy: the stored day and its published plan, as of when it was made.
        _ = try await store.migrate()
        var copy = day
        copy.orders = day.orders.filter { order in
            plan.visits.contains { $0.order == order.id } || plan.unassigned.contains { $0.order == order.id }
        }
        _ = try await store.importScenario(copy)
        let publisher = DispatchOperations(store: store, clock: FixedClock(day.now))
        _ = try await publisher.commitPlan(plan, basedOn: nil, seed: 0, actor: "simulation")
        prepareEvents(plan)
    }

    func draw() -> Double { Double(random.next() >> 11) / Double(1 << 53) }

    /// A log-normal factor of median 1: exp(σ·z), z standard normal (Box–Muller).
    func factor(_ spread: Double) -> Double {
        let u = max(draw(), 1e-12)
        let v = draw()
        return exp(spread * (-2 * log(u)).squareRoot() * cos(2 * .pi * v))
    }

    func prepareEvents(_ plan: Plan) {
        let start = clock.now()
        if let script = options.script {
            scripted = script.compactMap { event in parseRFC3339(event.at).map { ($0, event) } }.sorted { $0.at < $1.at }
            absentCustomers = Self.wholeVisits(Set(script.filter { $0.kind == "absent" }.compactMap(\.order)), day: day)
            return
        }
        var drawn: Set<String> = []
        for visit in plan.visits where draw() < options.customerAbsentShare { drawn.insert(visit.order) }
        absentCustomers = Self.wholeVisits(drawn, day: day)
        let dayStart = day.timeZone.instant(on: day.date, at: LocalTime(minutesAfterMidnight: 540)!)
        if draw() < options.sickChance { randomEvents.append((dayStart.adding(minutes: Int(draw() * 360)), "sick")) }
        let hours = 10.0
        for (kind, rate) in [("urgent", options.urgentPerHour), ("cancel", options.cancellationsPerHour), ("move", options.movesPerHour)] {
            var at = 0.0
            while true {
                at += -log(max(draw(), 1e-12)) / max(rate, 1e-9) * 60
                if at > hours * 60 { break }
                randomEvents.append((start.adding(minutes: 60 + Int(at)), kind))
            }
        }
        randomEvents.sort { $0.at < $1.at }
    }

    /// Runs `body` as the event `kind`, timing the application layer and checking the promises after it.
    @discardableResult
    func event<T>(_ kind: String, into report: inout SimulationReport, _ body: () async throws -> T) async -> T? {
        report.events[kind, default: 0] += 1
        let started = ContinuousClock.now
        let result: T?
        do {
            result = try await body()
        } catch let error as OperationError where error.category == .badInput || error.category == .conflict || error.category == .notFound
        {
            refusal(kind, error.message, into: &report)
            result = nil
        } catch {
            report.violations.append(.init(run: run, at: clock.now(), rule: "operation", order: nil, detail: "\(kind): \(error)"))
            result = nil
        }
        let elapsed = started.duration(to: .now)
        report.latencies[kind, default: []].append(
            Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        await checks.afterEvent(kind, into: &report)
        return result
    }

    /// Counts a refusal of `kind` and keeps its message (the first twenty).
    func refusal(_ kind: String, _ message: String, into report: inout SimulationReport) {
        report.events["\(kind) refused", default: 0] += 1
        // Listed up to 5 of each kind, so the dispatcher's many refused moves (the desk's "no room"
        // answer) never hide a refusal of another kind (a re-plan that would drop a visit done).
        if report.events["\(kind) refused", default: 0] <= 5 {
            report.refusals.append("\(kind) at \(day.timeZone.local(clock.now()).time): \(message)")
        }
    }

    /// `ids` with every other member of the coordinated visits they belong to.
    static func wholeVisits(_ ids: Set<String>, day: Scenario) -> Set<String> {
        let groups = Set(day.orders.filter { ids.contains($0.id) }.compactMap(\.group))
        return ids.union(day.orders.filter { $0.group.map(groups.contains) ?? false }.map(\.id))
    }

    func play(into report: inout SimulationReport) async throws {
        let lastShift = day.technicians.map(\.shift.end).max() ?? LocalTime(minutesAfterMidnight: 1080)!
        let end = day.timeZone.instant(on: day.date, at: lastShift).adding(minutes: 120)
        let date = day.date
        let published = try await store.transaction { try $0.publishedPlan(on: date) }
        for visit in published?.visits ?? [] { report.visitsSeen[visit.order, default: 0] += 1 }
        var lateTechnicians: Set<String> = []
        var onTimeOrders: Set<String> = []
        while clock.now() < end {
            let now = clock.now()
            while let next = scripted.first, next.at <= now {
                scripted.removeFirst()
                await scriptedEvent(next.event, into: &report)
            }
            while let next = randomEvents.first, next.at <= now {
                randomEvents.removeFirst()
                await randomEvent(next.kind, into: &report)
            }
            let plan = try await store.transaction { tx -> (visits: [PlannedVisit], states: [String: OrderState]) in
                let visits = try tx.publishedPlan(on: date)?.visits ?? []
                let states = Dictionary(try tx.orders(on: date).map { ($0.order.id, $0.state) }, uniquingKeysWith: { first, _ in first })
                return (visits, states)
            }
            for index in agents.indices where !agents[index].gone {
                await step(index, plan: plan, into: &report, late: &lateTechnicians, onTime: &onTimeOrders)
            }
            // The notice sender's run of this minute, after the minute's events.
            _ = try? await operations.sendNotices(to: sink)
            clock.advance(minutes: 1)
        }
        for order in onTimeOrders { report.visitsOnTime[order, default: 0] += 1 }
        for technician in lateTechnicians { report.techniciansLate[technician, default: 0] += 1 }
        await checks.atEnd(deliveries: await sink.deliveries, into: &report)
    }

    func step(
        _ index: Int, plan: (visits: [PlannedVisit], states: [String: OrderState]), into report: inout SimulationReport,
        late: inout Set<String>, onTime: inout Set<String>
    ) async {
        var agent = agents[index]
        let now = clock.now()
        let id = agent.technician.id
        defer { agents[index] = agent }
        switch agent.phase {
        case .idle:
            let waiting: Set<OrderState> = [.scheduled, .confirmed, .notified]
            guard
                let next = plan.visits.filter({ $0.technician == id && waiting.contains(plan.states[$0.order] ?? .new) })
                    .min(by: { $0.start < $1.start }), let order = orders[next.order]
            else { return }
            // They leave to arrive at the planned start (the day's traffic applied), or now if later.
            guard now >= day.latestDeparture(from: agent.location, to: order.location, arriving: next.start) else { return }
            let travel = day.drive(from: agent.location, to: order.location, leaving: now)
            if let change = await event(
                "en_route", into: &report, { try await operations.setStatus(order: next.order, to: .enRoute, actor: id) })
            {
                if let refused = change.reactionRefused { refusal("reaction to en_route", refused, into: &report) }
                agent.phase = .driving
                agent.reportedLate = false
                agent.order = next.order
                agent.until = now.adding(minutes: Int((Double(travel) * factor(options.travelSpread)).rounded()))
            }
        case .driving:
            guard let id = agent.order, let order = orders[id] else {
                agent.phase = .idle
                return
            }
            guard plan.states[id] == .enRoute,
                let visit = plan.visits.first(where: { $0.order == id && $0.technician == agent.technician.id })
            else {
                agent.phase = .idle  // taken off their day meanwhile (rebooked, moved)
                return
            }
            guard now >= agent.until else {
                // Running late: the technician says so from the road (the app's "I'm late"), once,
                // before the customer has waited 15 minutes; the operation re-plans and tells them.
                if !agent.reportedLate, now >= visit.start.adding(minutes: 10), agent.until > visit.start.adding(minutes: 15) {
                    agent.reportedLate = true
                    let minutes = max(1, visit.start.seconds(until: agent.until) / 60)
                    await event("delay", into: &report) {
                        try await operations.delay(order: id, minutes: minutes, actor: agent.technician.id)
                    }
                }
                return
            }
            if agent.arrivedAt < agent.until { agent.arrivedAt = now }
            // (A partner already at work there found the customer at home.)
            if absentCustomers.contains(id),
                !Self.wholeVisits([id], day: day).contains(where: { OrderWorkflow.begun.contains(plan.states[$0] ?? .new) })
            {
                await event("customer_absent", into: &report) {
                    try await operations.setStatus(order: id, to: .customerAbsent, actor: agent.technician.id)
                }
                agent.phase = .idle
                agent.location = order.location
                return
            }
            // Work starts at the planned start at the earliest: the customer expects them then.
            guard now >= visit.start else { return }
            report.arrivals += 1
            if agent.arrivedAt <= visit.start.adding(minutes: 15) {
                report.onTime += 1
                onTime.insert(id)
            } else {
                late.insert(agent.technician.id)
            }
            if await event("on_site", into: &report, { try await operations.setStatus(order: id, to: .onSite, actor: agent.technician.id) })
                != nil
            {
                agent.phase = .working
                agent.until = now.adding(minutes: max(5, Int((Double(order.durationMinutes) * factor(options.durationSpread)).rounded())))
            } else {
                agent.phase = .idle
            }
        case .working:
            guard now >= agent.until, let id = agent.order, let order = orders[id] else { return }
            let details = order.type == .install && order.service == .broadband ? ["speed_test_mbps": "100"] : [:]
            if await event(
                "completed", into: &report,
                { try await operations.setStatus(order: id, to: .completed, details: details, actor: agent.technician.id) }) != nil
            {
                report.completed += 1
            }
            agent.phase = .idle
            agent.location = order.location
            agent.order = nil
        }
    }

    func randomEvent(_ kind: String, into report: inout SimulationReport) async {
        let date = day.date
        let open = (try? await store.transaction { try $0.orders(on: date) }) ?? []
        let waiting = open.filter { $0.state == .scheduled || $0.state == .confirmed }
        switch kind {
        case "sick":
            let working = agents.indices.filter { !agents[$0].gone }
            guard !working.isEmpty else { return }
            let index = working[Int(random.next() % UInt64(working.count))]
            await sick(index, into: &report)
        case "urgent":
            guard let near = waiting.randomElement(using: &random) else { return }
            urgentCount += 1
            await urgent(id: "SIM-U\(urgentCount)", near: near.order, into: &report)
        case "cancel":
            guard let order = waiting.randomElement(using: &random) else { return }
            await event("cancel", into: &report) {
                try await operations.setStatus(order: order.order.id, to: .cancelled, reason: "customer cancelled", actor: "customer")
            }
        default:
            guard let order = waiting.randomElement(using: &random), let technician = day.technicians.randomElement(using: &random) else {
                return
            }
            await event("move", into: &report) {
                try await operations.assign(order: order.order.id, technician: technician.id, actor: "dispatcher")
            }
        }
    }

    func scriptedEvent(_ event: ScriptedEvent, into report: inout SimulationReport) async {
        switch event.kind {
        case "sick":
            if let index = agents.firstIndex(where: { $0.technician.id == event.technician }) { await sick(index, into: &report) }
        case "urgent":
            if let near = event.near.flatMap({ orders[$0] }) {
                await urgent(id: event.order ?? "SIM-U\(urgentCount + 1)", near: near, into: &report)
            }
        case "cancel":
            if let order = event.order {
                await self.event("cancel", into: &report) {
                    try await operations.setStatus(order: order, to: .cancelled, reason: "customer cancelled", actor: "customer")
                }
            }
        case "delay":
            if let order = event.order {
                await self.event("delay", into: &report) {
                    try await operations.delay(order: order, minutes: event.minutes ?? 30, actor: "dispatcher")
                }
            }
        case "move":
            if let order = event.order, let technician = event.technician {
                await self.event("move", into: &report) {
                    try await operations.assign(order: order, technician: technician, actor: "dispatcher")
                }
            }
        default: break  // `absent` is drawn before the day
        }
    }

    func sick(_ index: Int, into report: inout SimulationReport) async {
        agents[index].gone = true
        let id = agents[index].technician.id
        await event("sick", into: &report) {
            try await operations.recordAbsence(technician: id, day: day.date, reason: "fell ill", actor: "dispatcher")
        }
    }

    /// A repair reported now beside `near`, imported into the day and placed at once.
    func urgent(id: String, near: WorkOrder, into report: inout SimulationReport) async {
        var order = near
        order.id = id
        order.type = .repair
        order.window = nil
        order.group = nil
        order.pin = nil
        order.lock = nil
        order.reportedAt = clock.now()
        order.customer.id = "C-\(id)"
        var arrival = day
        arrival.orders = [order]
        await event("urgent", into: &report) { () -> PublishOutcome? in
            _ = try await store.importScenario(arrival)
            return try await operations.placeArrivals(on: day.date, actor: "dispatcher")
        }
    }
}

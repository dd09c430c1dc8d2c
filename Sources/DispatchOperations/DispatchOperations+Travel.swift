import DispatchStore
import Foundation
import SchedulingCore

/// What `travel build` did.
public struct TravelBuildReport: Sendable {
    /// The engine ("osrm http://router:5000 driving").
    public var source: String
    /// Places of the day (orders, technicians' homes and ends) and distinct points among them.
    public var places = 0
    public var points = 0
    /// Pairs of places asked for now, and pairs kept from before (the cache).
    public var fetchedPairs = 0
    public var cachedPairs = 0
    /// Places whose legs were fetched before where their order or technician no longer is (or
    /// that left the day): their legs were dropped and fetched again.
    public var movedPlaces = 0
    public var requests = 0
    /// Pairs the engine found no route for, driven in a straight line (`fallback: haversine`).
    public var unreachable = 0
    public var rowsWritten = 0
    /// Places fetched but moved again while the build ran: left for the next build.
    public var skippedPlaces = 0
    public var seconds = 0.0
    /// pgRouting: how far the new places are from their nearest junction (mean and most, metres),
    /// and those farther than `farSnapMetres`, farthest first.
    public var snapMeanMetres: Double?
    public var snapMaxMetres: Double?
    public var farSnaps: [(key: String, metres: Double)] = []
    public static let farSnapMetres = 200.0
}

extension DispatchOperations {
    /// The engine a day's `travel.model` names. pgRouting runs in the database itself.
    /// Engines over HTTP are bounded by `routing` (each request's time and answer size).
    public func routingEngine(for service: RoutingService) -> any RoutingEngine {
        switch service {
        case .osrm, .valhalla: Self.httpEngine(for: service, limits: routing)!
        case .pgrouting: PgRoutingEngine(store: store)
        }
    }

    /// The engine of a service reached over HTTP (nil for pgRouting, which runs in the database).
    static func httpEngine(for service: RoutingService, limits: RoutingLimits) -> (any RoutingEngine)? {
        switch service {
        case .osrm(let url, let profile): OSRMEngine(url: url, profile: profile, limits: limits)
        case .valhalla(let url, let costing): ValhallaEngine(url: url, costing: costing, limits: limits)
        case .pgrouting: nil
        }
    }

    /// The road legs of a scenario file's places, fetched from its `travel.model` engine without
    /// a database (`plan --scenario`, `check --scenario`, as VROOM's command line asks its routing
    /// server): nil when the file's travel comes from no engine. Bounded by `limits` (the build's
    /// deadline included). pgRouting needs the roads in a database: refused with the way out.
    public static func fetchLegs(for scenario: Scenario, limits: RoutingLimits) async throws -> RoadLegs? {
        guard let service = scenario.travel.service else { return nil }
        guard let engine = httpEngine(for: service, limits: limits) else {
            throw OperationError.badInput(
                "\(scenario.name): travel.model pgrouting routes on roads kept in a PostgreSQL database; import the file "
                    + "(dispatch import) and plan the stored day with --date, or use osrm or valhalla")
        }
        let places = RoadLegs.places(technicians: scenario.technicians, orders: scenario.orders.map { ($0.id, $0.location) })
        let points = distinct(places.map(\.place))
        let table: [[RoadLegs.Leg?]]
        do {
            table = try await RoutingLimits.within(limits.deadlineSeconds, "the matrix from \(engine.name)") {
                try await RoadMatrixFetcher(engine: engine).fetch(sources: points, destinations: points).legs
            }
        } catch let error as RoutingError {
            throw OperationError(.unavailable, "\(error.message); the file was not planned on straight lines instead")
        }
        var builder = RoadLegs.Builder(places: RoadLegs.placesByKey(places))
        let keyOf = Dictionary(places.map { ($0.place, $0.key) }, uniquingKeysWith: { first, _ in first })
        var unreachable: [String] = []
        var count = 0
        for (i, a) in points.enumerated() {
            for (j, b) in points.enumerated() where i != j {
                if let leg = table[i][j] {
                    builder.set(from: a, to: b, leg)
                } else {
                    count += 1
                    if unreachable.count < 5 { unreachable.append("\(keyOf[a] ?? "?")→\(keyOf[b] ?? "?")") }
                }
            }
        }
        if count > 0 && !scenario.travel.fallback {
            throw OperationError.badInput(
                "\(engine.name) finds no route for \(count) pair\(count == 1 ? "" : "s") of places (\(unreachable.joined(separator: ", "))"
                    + "\(count > unreachable.count ? ", …" : "")): check those places' coordinates, or set travel.fallback: haversine")
        }
        return RoadLegs(source: engine.name, fallback: scenario.travel.fallback, builder: builder)
    }

    /// Fetches the day's road matrix from its routing engine and keeps it with the day. Legs
    /// already kept are not asked again: a first build asks for every pair, a later one only for
    /// the rows and columns of places new since (an order booked, an order or home moved). The
    /// engine is asked outside any transaction; the legs are written in one, which first checks
    /// that each place is still where it was asked for and that the day's engine did not change.
    /// Throws, writing nothing, when the engine fails or finds no route for a pair and the day
    /// has no `fallback: haversine`.
    public func buildTravel(
        _ date: LocalDate, engine chosen: (any RoutingEngine)? = nil,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) async throws -> TravelBuildReport {
        guard let state = try await read({ context in try context.tx.travelState(on: date) }) else {
            throw OperationError.notFound("no service day \(date) is stored")
        }
        return try await buildTravel(date, state: state, engine: chosen, progress: progress)
    }

    /// `buildTravel` from the day's travel state as read (`ensureTravel` has read it already).
    func buildTravel(
        _ date: LocalDate, state: TravelState, engine chosen: (any RoutingEngine)?,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
    ) async throws -> TravelBuildReport {
        let started = Date()
        guard let service = state.service else {
            throw OperationError.badInput(
                "the travel of \(date) is not fetched from a routing engine (travel.model is "
                    + "\(state.source == nil ? "haversine" : "matrix")); set travel.model to osrm, valhalla or pgrouting and import "
                    + "the day again"
            )
        }
        let engine = chosen ?? routingEngine(for: service)
        let current = state.places
        let before = RoadLegs.placesByKey(state.recorded)
        let kept = Set(current.filter { before[$0.key] == $0.place }.map(\.key))
        let fresh = current.filter { !kept.contains($0.key) }
        var report = TravelBuildReport(source: service.description)
        report.places = current.count
        report.movedPlaces = state.recorded.filter { !kept.contains($0.key) }.count
        let keptPlaces = current.filter { kept.contains($0.key) }
        report.cachedPairs = Self.pairs(keptPlaces, keptPlaces)

        // Ask by distinct point: technicians sharing a depot are one row.
        let allPoints = Self.distinct(current.map(\.place))
        let freshPoints = Self.distinct(fresh.map(\.place))
        report.points = allPoints.count
        let fetcher = RoadMatrixFetcher(engine: engine, progress: progress)
        let index = Dictionary(uniqueKeysWithValues: allPoints.enumerated().map { ($1, $0) })
        let n = allPoints.count
        var legs = [RoadLegs.Leg?](repeating: nil, count: freshPoints.isEmpty ? 0 : n * n)
        func keep(_ sources: [GeoPoint], _ destinations: [GeoPoint], _ table: [[RoadLegs.Leg?]]) {
            for (source, row) in zip(sources, table) {
                for (destination, leg) in zip(destinations, row) { legs[index[source]! * n + index[destination]!] = leg }
            }
        }
        if let roads = engine as? PgRoutingEngine, !fresh.isEmpty {
            let snaps = try await roads.snaps(fresh.map(\.place))
            report.snapMeanMetres = snaps.map(\.metres).reduce(0, +) / Double(snaps.count)
            report.snapMaxMetres = snaps.map(\.metres).max()
            report.farSnaps = zip(fresh, snaps).filter { $0.1.metres > TravelBuildReport.farSnapMetres }
                .map { ($0.0.key, $0.1.metres) }.sorted { $0.metres > $1.metres }
        }
        if !freshPoints.isEmpty {
            do {
                // The whole build (every request, every retry) within the deadline.
                let freshSet = Set(freshPoints)
                let keptPoints = Self.distinct(keptPlaces.map(\.place)).filter { !freshSet.contains($0) }
                let (rows, columns) = try await RoutingLimits.within(routing.deadlineSeconds, "the matrix from \(engine.name)") {
                    (
                        try await fetcher.fetch(sources: freshPoints, destinations: allPoints),
                        try await fetcher.fetch(sources: keptPoints, destinations: freshPoints)
                    )
                }
                keep(freshPoints, allPoints, rows.legs)
                keep(keptPoints, freshPoints, columns.legs)
                report.requests += rows.requests + columns.requests
            } catch let error as RoutingError {
                throw OperationError(.unavailable, "\(error.message); nothing was stored")
            }
        }

        var unreachable: [String] = []
        for a in current {
            let row = index[a.place]! * n
            for b in current where a.place != b.place && (!kept.contains(a.key) || !kept.contains(b.key)) {
                report.fetchedPairs += 1
                if legs[row + index[b.place]!] == nil {
                    report.unreachable += 1
                    if unreachable.count < 5 { unreachable.append("\(a.key)→\(b.key)") }
                }
            }
        }
        if report.unreachable > 0 && !state.fallback {
            throw OperationError.badInput(
                "\(engine.name) finds no route for \(report.unreachable) pair\(report.unreachable == 1 ? "" : "s") of places "
                    + "(\(unreachable.joined(separator: ", "))\(report.unreachable > unreachable.count ? ", …" : "")): "
                    + "check those places' "
                    + "coordinates, or set travel.fallback: haversine to drive them in a straight line; nothing was stored")
        }
        if fresh.isEmpty && report.movedPlaces == 0 {
            report.seconds = Date().timeIntervalSince(started)
            return report
        }
        let fetched = fresh
        let stored = service.stored
        let table = legs
        let pointOf = RoadLegs.placesByKey(current)
        let outcome = try await perform { context -> (written: Int, skipped: Int) in
            guard let now = try context.tx.travelState(on: date) else { throw OperationError.notFound("no service day \(date) is stored") }
            guard now.service?.stored == stored else {
                throw OperationError.conflict("the routing engine of \(date) changed while its matrix was built; build again")
            }
            // A place that moved while the engine was asked is left for the next build.
            let places = RoadLegs.placesByKey(now.places)
            let moved = Set(fetched.filter { places[$0.key] != $0.place }.map(\.key))
            let forget = now.recorded.filter { places[$0.key] != $0.place || !kept.contains($0.key) }.map(\.key)
            let written = try context.tx.storeFetchedLegs(
                day: date, source: stored, fresh: fetched.filter { !moved.contains($0.key) },
                kept: kept.filter { places[$0] == pointOf[$0] }, forget: forget + Array(moved)
            ) { a, b in
                guard let p = pointOf[a], let q = pointOf[b], p != q, let i = index[p], let j = index[q] else { return nil }
                return table[i * n + j]
            }
            return (written.written, moved.count)
        }
        report.rowsWritten = outcome.written
        report.skippedPlaces = outcome.skipped
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Builds the day's travel when it comes from a routing engine and some place of the day has
    /// no legs kept (an order imported or booked, a place moved since the last build); nil when
    /// there was nothing to do.
    @discardableResult
    public func ensureTravel(_ date: LocalDate, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> TravelBuildReport? {
        guard let state = try await read({ context in try context.tx.travelState(on: date) }), state.service != nil else { return nil }
        let kept = RoadLegs.placesByKey(state.recorded)
        guard state.places.contains(where: { kept[$0.key] != $0.place }) else { return nil }
        return try await buildTravel(date, state: state, engine: nil, progress: progress)
    }

    /// `ensureTravel` for the day an order is on.
    @discardableResult
    public func ensureTravel(forOrder id: String) async throws -> TravelBuildReport? {
        guard let day = try await read({ context in try context.tx.order(id)?.serviceDay }) else { return nil }
        return try await ensureTravel(day)
    }

    static func distinct(_ points: [GeoPoint]) -> [GeoPoint] {
        var seen = Set<GeoPoint>()
        return points.filter { seen.insert($0).inserted }
    }

    /// Ordered pairs of places at different points.
    static func pairs(_ a: [(key: String, place: GeoPoint)], _ b: [(key: String, place: GeoPoint)]) -> Int {
        var count = 0
        for x in a { for y in b where x.place != y.place { count += 1 } }
        return count
    }
}

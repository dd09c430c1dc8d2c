import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// Road matrices from routing engines (`travel.model` osrm, valhalla, pgrouting): fetched in
/// requests under the engine's limits, kept with the day, asked again only for what is new,
/// unreachable pairs and engine errors explained, and `check` reading the kept matrix.
@Suite("Routing engines")
struct RoutingSourceTests {
    static let date = LocalDate(iso: "2026-11-23")!

    /// A generated day of 120 orders and 10 technicians whose travel comes from `service`.
    static func day(_ service: RoutingService, fallback: Bool = false) -> Scenario {
        var day = CityDayGenerator(orders: 120, technicians: 10, seed: 5).scenario()
        day.travel.service = service
        day.travel.fallback = fallback
        return day
    }

    static func keys(_ day: Scenario) -> [(key: String, place: GeoPoint)] {
        RoadLegs.places(technicians: day.technicians, orders: day.orders.map { ($0.id, $0.location) })
    }

    static func distinctPoints(_ day: Scenario) -> Int { Set(keys(day).map(\.place)).count }

    @Test("OSRM: split under 100 locations a request, kept with the day, read by check (H3) and the planner", arguments: Backend.all)
    func osrmBuild(_ backend: Backend) async throws {
        let server = try await RoutingServer()
        defer { server.stop() }
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            let day = Self.day(.osrm(url: server.url, profile: "driving"))
            _ = try await database.store.importScenario(day)
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T10:00:00+08:00"))
            // Planned before the matrix is built: straight lines, 1.5 times quicker than the server's roads.
            try await OperationFixtures.planAndPublish(operations, Self.date)
            #expect(try await OperationFixtures.hardRuleViolations(database, Self.date).isEmpty)

            let report = try await operations.buildTravel(Self.date)
            let points = Self.distinctPoints(day)
            #expect(points > 100)
            let blocks = (points + 49) / 50
            #expect(report.requests == blocks * blocks)
            #expect(server.requests.allSatisfy { $0.sources + $0.destinations <= 100 && $0.status == 200 })
            #expect(report.cachedPairs == 0 && report.unreachable == 0)
            #expect(report.fetchedPairs == report.rowsWritten && report.rowsWritten > 10_000)

            let stored = try #require(try await database.store.scenario(on: Self.date))
            #expect(stored.travel.service == .osrm(url: server.url, profile: "driving"))
            let legs = try #require(stored.travel.legs)
            let places = Self.keys(stored)
            var compared = 0
            for (a, b) in zip(places, places.reversed()) where a.place != b.place {
                let leg = try #require(legs.leg(from: a.place, to: b.place))
                // OSRM is sent coordinates to 6 decimals (0.1 m): a second or a metre either way.
                #expect(abs(leg.seconds - Int(RoutingServer.seconds(a.place, b.place, server.limits)!.rounded(.up))) <= 1)
                #expect(abs(leg.meters! - RoutingServer.metres(a.place, b.place, server.limits)!) <= 1)
                compared += 1
            }
            #expect(compared > 100)
            // An east-bound leg takes the server's 30 s longer than the way back: the matrix is not symmetric.
            let (west, east) = (
                places.min { $0.place.longitude < $1.place.longitude }!, places.max { $0.place.longitude < $1.place.longitude }!
            )
            #expect(legs.leg(from: west.place, to: east.place)!.seconds > legs.leg(from: east.place, to: west.place)!.seconds)

            // The plan made on straight lines breaks H3 on the kept road times; planned again on them, none.
            let broken = try await OperationFixtures.hardRuleViolations(database, Self.date)
            #expect(broken.contains { $0.hasPrefix("H3") })
            try await OperationFixtures.planAndPublish(operations, Self.date)
            #expect(try await OperationFixtures.hardRuleViolations(database, Self.date).isEmpty)
        }
    }

    @Test("The kept matrix: nothing asked again; a new order asks its row and column, a moved one is asked again", arguments: Backend.all)
    func cache(_ backend: Backend) async throws {
        let server = try await RoutingServer()
        defer { server.stop() }
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            var day = Self.day(.osrm(url: server.url, profile: "car"))
            _ = try await database.store.importScenario(day)
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T10:00:00+08:00"))
            let first = try await operations.buildTravel(Self.date)
            server.forgetRequests()

            let again = try await operations.buildTravel(Self.date)
            #expect(again.requests == 0 && again.fetchedPairs == 0 && again.cachedPairs == first.fetchedPairs)
            #expect(try await operations.ensureTravel(Self.date) == nil)
            #expect(server.requests.isEmpty)

            // One more order, at a point of its own: its row and its column, nothing else.
            day.orders.append(OperationFixtures.order("WO-NEW", .repair, .broadband, customer: "C-NEW", lat: 31.25, lon: 121.50))
            _ = try await database.store.importScenario(day)
            let grown = try #require(try await operations.ensureTravel(Self.date))
            let others = Self.keys(day).filter { $0.place != day.orders.last!.location }.count
            #expect(grown.fetchedPairs == 2 * others)
            #expect(grown.cachedPairs == first.fetchedPairs)
            let points = Self.distinctPoints(day)
            #expect(grown.requests == (points + 98) / 99 + (points - 1 + 98) / 99)
            #expect(server.requests.allSatisfy { $0.sources == 1 || $0.destinations == 1 })

            // An order moved: its legs are not used until asked again, then they are the new place's.
            day.orders[3].location = GeoPoint(latitude: 31.20, longitude: 121.44)
            _ = try await database.store.importScenario(day)
            let before = try #require(try await database.store.scenario(on: Self.date))
            #expect(before.travel.legs?.leg(from: day.orders[3].location, to: day.technicians[0].startLocation) == nil)
            let rebuilt = try #require(try await operations.ensureTravel(Self.date))
            #expect(rebuilt.movedPlaces == 1 && rebuilt.fetchedPairs == 2 * (Self.keys(day).count - 1))
            let after = try #require(try await database.store.scenario(on: Self.date))
            let leg = try #require(after.travel.legs?.leg(from: day.orders[3].location, to: day.technicians[0].startLocation))
            #expect(
                abs(
                    leg.seconds
                        - Int(RoutingServer.seconds(day.orders[3].location, day.technicians[0].startLocation, server.limits)!.rounded(.up)))
                    <= 1)
        }
    }

    @Test("No route for a pair: explained and nothing stored, or a straight line with fallback: haversine", arguments: Backend.all)
    func unreachable(_ backend: Backend) async throws {
        var limits = RoutingServer.Limits()
        limits.islandLatitude = 31.40
        let server = try await RoutingServer(limits)
        defer { server.stop() }
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            var day = Self.day(.valhalla(url: server.url, costing: "auto"))
            day.orders.append(OperationFixtures.order("WO-ISLAND", .repair, .broadband, customer: "C-ISLAND", lat: 31.45, lon: 121.47))
            _ = try await database.store.importScenario(day)
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T10:00:00+08:00"))
            let others = Self.keys(day).count - 1
            do {
                _ = try await operations.buildTravel(Self.date)
                Issue.record("a day with an unreachable order was built")
            } catch let error as OperationError {
                #expect(error.category == .badInput)
                #expect(error.message.contains("no route for \(2 * others) pairs") && error.message.contains("WO-ISLAND"))
                #expect(error.message.contains("fallback: haversine") && error.message.contains("nothing was stored"))
            }
            #expect(try await database.store.transaction { try $0.travelPlaces(on: Self.date) }.isEmpty)

            day.travel.fallback = true
            _ = try await database.store.importScenario(day)
            let report = try await operations.buildTravel(Self.date)
            #expect(report.unreachable == 2 * others)
            let stored = try #require(try await database.store.scenario(on: Self.date))
            let island = day.orders.last!.location
            let home = day.technicians[0].startLocation
            #expect(stored.travel.legs?.leg(from: island, to: home) == nil)
            #expect(stored.travel.minutes(from: island, to: home) == TravelModel().minutes(from: island, to: home))
            #expect(stored.travel.legs?.leg(from: day.orders[0].location, to: home) != nil)
        }
    }

    @Test("A server below the default limits: requests split further until they fit; engine errors explained")
    func limitsAndErrors() async throws {
        var limits = RoutingServer.Limits()
        limits.maxLocations = 30
        limits.maxPairs = 900
        limits.nowhereLatitude = 30.0
        let server = try await RoutingServer(limits)
        defer { server.stop() }
        let points = (0..<70).map { GeoPoint(latitude: 31.1 + Double($0) * 0.003, longitude: 121.4 + Double($0 % 7) * 0.01) }
        for engine in [
            OSRMEngine(url: server.url, profile: "driving") as any RoutingEngine,
            ValhallaEngine(url: server.url, costing: "auto"),
        ] {
            server.forgetRequests()
            let (legs, requests) = try await RoadMatrixFetcher(engine: engine).fetch(sources: points, destinations: points)
            let seen = server.distinctRequests
            #expect(requests == seen.count)
            #expect(seen.contains { $0.status == 400 })
            let answered = seen.filter { $0.status == 200 }
            #expect(answered.allSatisfy { engine is OSRMEngine ? $0.sources + $0.destinations <= 30 : $0.sources * $0.destinations <= 900 })
            #expect(answered.map { $0.sources * $0.destinations }.reduce(0, +) == 70 * 70)
            #expect(abs(legs[3][60]!.seconds - Int(RoutingServer.seconds(points[3], points[60], limits)!.rounded(.up))) <= 1)
            #expect(abs(legs[60][3]!.meters! - RoutingServer.metres(points[60], points[3], limits)!) <= 1)
        }
        await #expect {
            _ = try await OSRMEngine(url: server.url, profile: "driving").table(
                sources: [points[0]], destinations: [GeoPoint(latitude: 29.0, longitude: 121.4)])
        } throws: { error in
            let message = (error as? RoutingError)?.message ?? ""
            return message.contains("NoSegment") && message.contains("snapped")
        }
        await #expect {
            var limits = RoutingLimits()
            limits.requestSeconds = 5
            _ = try await OSRMEngine(url: "http://127.0.0.1:9", profile: "driving", limits: limits).table(
                sources: [points[0]], destinations: [points[1]])
        } throws: { error in (error as? RoutingError)?.message.contains("cannot reach OSRM") == true }
    }

    @Test("Blocks: the largest square the engine takes, then the longer side grown")
    func blocks() {
        let osrm = OSRMEngine(url: "http://x", profile: "driving")
        let valhalla = ValhallaEngine(url: "http://x", costing: "auto")
        #expect(RoadMatrixFetcher.block(sources: 300, destinations: 300, fits: osrm.fits) == (50, 50))
        #expect(RoadMatrixFetcher.block(sources: 1, destinations: 300, fits: osrm.fits) == (1, 99))
        #expect(RoadMatrixFetcher.block(sources: 300, destinations: 1, fits: osrm.fits) == (99, 1))
        #expect(RoadMatrixFetcher.block(sources: 2000, destinations: 2000, fits: valhalla.fits) == (50, 50))
        #expect(RoadMatrixFetcher.block(sources: 1, destinations: 3000, fits: valhalla.fits) == (1, 2500))
        #expect(RoadMatrixFetcher.block(sources: 20, destinations: 30, fits: osrm.fits) == (20, 30))
        #expect(RoadMatrixFetcher.blocks(sources: 0..<120, destinations: 0..<120, size: (50, 50)).count == 9)
    }

    static let helsinki = DispatchRunner.packageRoot.appendingPathComponent("scenarios/osm/helsinki.osm.pbf").path

    @Test(
        "pgRouting: the network imported all or nothing, places snapped (far ones warned), the matrix from pgr_dijkstraCostMatrix",
        .postgresql)
    func pgrouting() async throws {
        try await TestDatabase.with(.postgresql) { database in
            _ = try await database.store.migrate()
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T10:00:00+08:00"))
            let network = try await operations.importRoads(file: Self.helsinki)
            #expect(network.vertices > 1000 && network.edges > 1000 && network.verticesDropped > 0)
            #expect(network.south > 60.1 && network.north < 60.2 && network.west > 24.9 && network.east < 25.0)

            var generator = CityDayGenerator(orders: 60, technicians: 6, seed: 2)
            generator.sites = try DispatchOperations.roadJunctions(file: Self.helsinki)
            generator.timeZone = "Europe/Helsinki"
            var day = generator.scenario()
            #expect(day.orders.allSatisfy { $0.location.latitude > 60.16 && $0.location.latitude < 60.18 })
            day.travel.service = .pgrouting
            // An order 1 km north of the extract: snapped, with a warning.
            day.orders.append(OperationFixtures.order("WO-FAR", .repair, .broadband, customer: "C-FAR", lat: 60.19, lon: 24.945))
            _ = try await database.store.importScenario(day)
            let report = try await operations.buildTravel(Self.date)
            #expect(report.unreachable == 0 && report.requests >= 1)
            #expect(report.farSnaps.first?.key == "WO-FAR" && report.farSnaps.first!.metres > 900)
            // Generated places are nodes of the extract's roads; a few lie on bits a car cannot both reach
            // and leave (left out of the network), a few hundred metres from the nearest junction kept.
            #expect(report.farSnaps.dropFirst().allSatisfy { $0.metres < 400 } && report.snapMeanMetres! < 100)

            let stored = try #require(try await database.store.scenario(on: Self.date))
            let legs = try #require(stored.travel.legs)
            let places = Self.keys(stored)
            var asymmetric = 0
            var checked = 0
            for a in places {
                for b in places where a.place != b.place {
                    let there = try #require(legs.leg(from: a.place, to: b.place))
                    // No road of a city centre is quicker than 90 km/h in a straight line.
                    #expect(Double(there.seconds) >= TravelModel.greatCircleKm(a.place, b.place) / 90 * 3600)
                    if there.seconds != legs.leg(from: b.place, to: a.place)?.seconds { asymmetric += 1 }
                    checked += 1
                }
            }
            #expect(checked == report.fetchedPairs && asymmetric > 0)
            #expect(try await operations.buildTravel(Self.date).requests == 0)

            // A broken file changes nothing: the network stays as it was.
            let broken = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).osm.pbf")
            try Data("not a protocol buffer".utf8).write(to: broken)
            defer { try? FileManager.default.removeItem(at: broken) }
            await #expect(throws: OperationError.self) { _ = try await operations.importRoads(file: broken.path) }
            let count = try database.connection.query("SELECT count(*) AS n FROM road_vertices", []).first?.int("n")
            #expect(count == network.vertices)
            let schemas = try database.connection.query("SELECT count(*) AS n FROM pg_namespace WHERE nspname LIKE 'roads_import_%'", [])
            #expect(try schemas.first?.int("n") == 0)
        }
    }

    @Test("SQLite: roads and the pgrouting model are refused with the way out")
    func pgroutingNeedsPostgres() async throws {
        try await TestDatabase.with(.sqlite) { database in
            _ = try await database.store.migrate()
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T10:00:00+08:00"))
            await #expect {
                _ = try await operations.importRoads(file: Self.helsinki)
            } throws: { error in
                let message = (error as? OperationError)?.message ?? ""
                return message.contains("PostgreSQL") && message.contains("osrm or valhalla")
            }
            _ = try await database.store.importScenario(Self.day(.pgrouting))
            await #expect(throws: (any Error).self) { _ = try await operations.buildTravel(Self.date) }
        }
    }
}

import Testing

@testable import SchedulingCore

@Suite("Travel worked out once a day: a problem's matrix from the process's tables is the model's own")
struct TravelTableTests {
    /// `count` distinct places around Shanghai, from a fixed seed.
    static func places(_ count: Int, seed: UInt64) -> [GeoPoint] {
        var random = SeededGenerator(seed: seed)
        var points: [GeoPoint] = []
        var seen = Set<GeoPoint>()
        while points.count < count {
            let point = GeoPoint(latitude: 31 + random.unit() * 0.5, longitude: 121.2 + random.unit() * 0.6)
            if seen.insert(point).inserted { points.append(point) }
        }
        return points
    }

    @Test("A table is reused for a problem on nearly the same places, and every pair is the model's minutes")
    func reusedAndExact() {
        let tables = TravelTables()
        let model = TravelModel()
        let day = Self.places(300, seed: 1)
        let first = tables.matrix(day, model: model)
        #expect(first == TravelTable.direct(day, model: model))
        let table = tables.table(covering: day, model: model)
        // A trial of the same day: a subset in another order, and two places the table lacks.
        let trial = Array(day.prefix(200).reversed()) + Self.places(2, seed: 99)
        #expect(tables.table(covering: trial, model: model) === table)
        let matrix = tables.matrix(trial, model: model)
        #expect(matrix == TravelTable.direct(trial, model: model))
        for a in trial.indices {
            for b in trial.indices {
                #expect(Int(matrix[a * trial.count + b]) == (a == b ? 0 : model.minutes(from: trial[a], to: trial[b])))
            }
        }
    }

    @Test("Many new places make a new table holding the old ones too, another day's a table of its own; another model never shares one")
    func grownAndSeparate() {
        let tables = TravelTables()
        let model = TravelModel()
        let day = Self.places(100, seed: 2)
        let old = tables.table(covering: day, model: model)
        let more = day + Self.places(100, seed: 3)
        let grown = tables.table(covering: more, model: model)
        #expect(grown !== old)
        #expect(grown.points.count == 200)
        // Grown from the old table (its pairs copied, the new ones worked out): the model's minutes all the same.
        #expect(grown.minutes == TravelTable.direct(grown.points, model: model))
        #expect(tables.table(covering: day, model: model) === grown)
        // Another day's places: a table of its own (growing would more than double it); the first stays.
        let elsewhere = Self.places(100, seed: 5)
        #expect(tables.table(covering: elsewhere, model: model).points == elsewhere)
        #expect(tables.table(covering: day, model: model) === grown)
        let faster = TravelModel(speedKmh: 45)
        let other = tables.table(covering: day, model: faster)
        #expect(other !== grown)
        #expect(tables.matrix(day, model: faster) == TravelTable.direct(day, model: faster))
        #expect(tables.matrix(day, model: faster) != tables.matrix(day, model: model))
    }

    @Test("A road matrix is one way: each direction its own leg, from the table as from the model")
    func oneWayLegs() {
        let tables = TravelTables()
        let day = Self.places(80, seed: 4)
        var builder = RoadLegs.Builder(places: Dictionary(uniqueKeysWithValues: day.enumerated().map { ("P\($0)", $1) }))
        for a in day.indices {
            for b in day.indices where a != b { builder.set(from: day[a], to: day[b], .init(seconds: 60 * (a + 2 * b + 1), meters: nil)) }
        }
        let model = TravelModel(legs: RoadLegs(source: "test", builder: builder))
        let matrix = tables.matrix(day, model: model)
        #expect(matrix == TravelTable.direct(day, model: model))
        #expect(matrix[0 * day.count + 1] == 3)  // 60 × (0 + 2 + 1) seconds
        #expect(matrix[1 * day.count + 0] == 2)  // 60 × (1 + 0 + 1) seconds
        // Grown by places the table lacks: each new pair one way and the other, as the model has them.
        let first = TravelTable(model: model, points: Array(day.prefix(50)))
        let grown = TravelTable(growing: first, by: Array(day.suffix(30)))
        #expect(grown.points == day)
        #expect(grown.minutes == TravelTable.direct(day, model: model))
        #expect(grown.minutes[60 * day.count + 10] != grown.minutes[10 * day.count + 60])
    }

    @Test("Tables are kept up to a budget of bytes, the most recently used first: a horizon of days stays, the oldest goes past it")
    func keptByBytes() {
        let model = TravelModel()
        let days = (0..<5).map { Self.places(100, seed: 10 + UInt64($0)) }
        let bytes = 100 * 100 * MemoryLayout<Int32>.stride
        let tables = TravelTables(budget: 4 * bytes, least: 1)
        let built = days.map { tables.table(covering: $0, model: model) }
        // Four fit the budget: days 1–4 are reused; day 0, the least recently used, was let go.
        for index in 1..<5 { #expect(tables.table(covering: days[index], model: model) === built[index]) }
        #expect(tables.table(covering: days[0], model: model) !== built[0])
        // Whatever the budget, the least kept: one table larger than it stays.
        let small = TravelTables(budget: bytes / 2, least: 1)
        let only = small.table(covering: days[0], model: model)
        #expect(small.table(covering: days[0], model: model) === only)
    }
}

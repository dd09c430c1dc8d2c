import DispatchStore
import DispatchTestSupport
import Foundation
import ScenarioFormat
import SchedulingCore
import Testing

/// `dispatch import` reads the file as a stream and writes each batch of orders as it is read,
/// in one transaction: the database ends up exactly as with the whole scenario imported at once,
/// and a problem in the last batch stores nothing at all.
@Suite("Streamed import")
struct StreamedImportTests {
    static func generatedFile(orders: Int, _ backend: Backend, _ change: (inout [[String: Any]]) -> Void = { _ in }) throws -> String {
        var generator = CityDayGenerator(orders: orders, technicians: 12, seed: 3)
        generator.pairShare = 0.3
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(ScenarioJSON.encode(generator.scenario()).utf8)) as? [String: Any])
        var list = try #require(object["orders"] as? [[String: Any]])
        change(&list)
        object["orders"] = list
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("streamed-import-\(getpid())-\(backend)-\(orders).json")
            .path
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func importStreamed(_ path: String, into store: SQLDispatchStore, batchSize: Int) async throws -> ImportSummary {
        let stream = try ScenarioStream.open(path: path)
        return try await store.importScenario(stream.header) { write in try stream.orders(batchSize: batchSize, write) }
    }

    @Test("Imported in batches, the day is stored exactly as the whole scenario imported at once", arguments: Backend.all)
    func batchesStoreTheSameDay(_ backend: Backend) async throws {
        let path = try Self.generatedFile(orders: 400, backend)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let scenario = try ScenarioLoader.load(path: path)
        try await TestDatabase.with(backend) { streamed in
            _ = try await streamed.store.migrate()
            let summary = try await Self.importStreamed(path, into: streamed.store, batchSize: 7)
            try await TestDatabase.with(backend) { whole in
                _ = try await whole.store.migrate()
                let expected = try await whole.store.importScenario(scenario)
                #expect(summary == expected)
                #expect(
                    summary.orders.total == 400 && summary.customers.total > 0 && summary.customers.total < 400,
                    "pairs share a customer: \(summary)")
                let stored = try await streamed.store.scenario(on: scenario.date)
                #expect(stored == (try await whole.store.scenario(on: scenario.date)))
                #expect(stored?.orders.count == 400)
            }
            // The same file again changes nothing.
            #expect(try await Self.importStreamed(path, into: streamed.store, batchSize: 50).changedRows == 0)
        }
    }

    @Test("A problem in the last batch stores nothing, earlier batches included", arguments: Backend.all)
    func lateProblemStoresNothing(_ backend: Backend) async throws {
        let path = try Self.generatedFile(orders: 120, backend) { orders in orders[118]["duration_minutes"] = 0 }
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            let rejection = await #expect(throws: ScenarioRejected.self) {
                _ = try await Self.importStreamed(path, into: database.store, batchSize: 10)
            }
            #expect(rejection?.problems.map(\.field) == ["orders[118].duration_minutes"])
            let day = try ScenarioStream.open(path: path).header.date
            #expect(try await database.store.scenario(on: day) == nil)
            #expect(try await database.store.technicians().isEmpty)
        }
    }
}

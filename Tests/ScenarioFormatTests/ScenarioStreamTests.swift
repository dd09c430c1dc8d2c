import Foundation
import SchedulingCore
import Testing
import Yams

@testable import ScenarioFormat

/// The streamed reading (`import`, `validate`) must agree with reading the file whole: the same
/// scenario from a valid file, the same problems (file, line, column, field, message) from a
/// broken one, whatever the layout and wherever batches split the orders.
@Suite("Scenario files read as a stream")
struct ScenarioStreamTests {
    /// The streamed scenario (header plus every batch), or its rejection.
    static func streamed(_ path: String, batchSize: Int) -> Result<Scenario, ScenarioRejected> {
        do {
            let stream = try ScenarioStream.open(path: path)
            var scenario = stream.header
            try stream.orders(batchSize: batchSize) { scenario.orders += $0 }
            // A matrix names the orders: a streamed file has it once they are read.
            if stream.readsMatrix { scenario.travel.legs = stream.legs }
            return .success(scenario)
        } catch let rejected as ScenarioRejected {
            return .failure(rejected)
        } catch {
            Issue.record("the stream threw \(error)")
            return .failure(ScenarioRejected(problems: []))
        }
    }

    static func whole(_ path: String) -> Result<Scenario, ScenarioRejected> {
        do { return .success(try ScenarioLoader.load(path: path)) } catch let rejected as ScenarioRejected {
            return .failure(rejected)
        } catch {
            Issue.record("the loader threw \(error)")
            return .failure(ScenarioRejected(problems: []))
        }
    }

    /// A generated day of 30 orders as a JSON object, to break on purpose.
    static func generatedDay() throws -> [String: Any] {
        let text = try ScenarioJSON.encode(CityDayGenerator(orders: 30, technicians: 6, seed: 5).scenario())
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// (A shipped matrix file is copied beside it, so a scenario naming one reads it.)
    static func write(_ text: String, _ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stream-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let matrix = folder.appendingPathComponent("road-matrix.csv")
        if !FileManager.default.fileExists(atPath: matrix.path) {
            try FileManager.default.copyItem(at: Fixtures.packageRoot.appendingPathComponent("scenarios/road-matrix.csv"), to: matrix)
        }
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A generated day as the generator writes it (pretty JSON), on one line, and as block YAML.
    static func generatedLayouts(orders: Int) throws -> [(name: String, text: String)] {
        var generator = CityDayGenerator(orders: orders, technicians: 6, seed: 5)
        generator.pairShare = 0.3
        let json = try ScenarioJSON.encode(generator.scenario())
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        let oneLine = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        return [("pretty.json", json), ("one-line.json", oneLine), ("block.yaml", try blockYAML(json))]
    }

    /// JSON text rewritten as block YAML: keys plain, every value as it was written.
    static func blockYAML(_ json: String) throws -> String {
        func block(_ node: Node) -> Node {
            switch node {
            case .mapping(var mapping):
                mapping.style = .block
                var pairs: [(Node, Node)] = []
                for (key, value) in mapping {
                    var plain = key
                    if case .scalar(var scalar) = key {
                        scalar.style = .plain
                        plain = .scalar(scalar)
                    }
                    pairs.append((plain, block(value)))
                }
                return .mapping(Node.Mapping(pairs, mapping.tag, .block))
            case .sequence(var sequence):
                sequence.style = .block
                for index in sequence.indices { sequence[index] = block(sequence[index]) }
                return .sequence(sequence)
            default:
                return node
            }
        }
        let node = try #require(try Yams.compose(yaml: json))
        return try Yams.serialize(node: block(node))
    }

    @Test("Valid files give the same scenario streamed as read whole, whatever the layout and batch size")
    func validFilesAgree() throws {
        var files: [(String, String)] = []
        for path in Fixtures.scenarioFiles { files.append((path, try String(contentsOfFile: path, encoding: .utf8))) }
        files += try Self.generatedLayouts(orders: 40).map { ($0.name, $0.text) }
        var streamedOrders = 0
        for (name, text) in files {
            let path = try Self.write(text, (name as NSString).lastPathComponent)
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard case .success(let expected) = Self.whole(path) else {
                Issue.record("\(name) does not load whole")
                continue
            }
            for batchSize in [1, 3, 500] {
                guard case .success(let scenario) = Self.streamed(path, batchSize: batchSize) else {
                    Issue.record("\(name) does not load streamed (batches of \(batchSize))")
                    continue
                }
                #expect(scenario == expected, "\(name), batches of \(batchSize)")
                streamedOrders += scenario.orders.count
            }
        }
        // The generated layouts were streamed, not only the small shipped files.
        #expect(streamedOrders >= 3 * 3 * 40)
        #expect(
            try Self.blockYAML(#"{"orders": [{"id": "x"}]}"#).hasPrefix("orders:\n- id: "), "block YAML with items at column 1 is covered")
        // Every layout of the generated day is streamed, not read whole.
        for (name, text) in try Self.generatedLayouts(orders: 3) {
            let path = try Self.write(text, "layout-\(name)")
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(try ScenarioStream.open(path: path).isStreamed, "\(name)")
        }
    }

    @Test("A problem in a late batch is reported at the file's line and column, with the order's index")
    func lateProblemsAreLocated() throws {
        for name in ["pretty.json", "one-line.json", "block.yaml"] {
            // The 25th order's duration, the 27th's id repeating the 2nd's, a pin to nobody.
            var object = try Self.generatedDay()
            var orders = try #require(object["orders"] as? [[String: Any]])
            orders[24]["duration_minutes"] = -5
            orders[26]["id"] = orders[1]["id"]
            orders[28]["pinned"] = ["technician": "T-NOBODY"]
            object["orders"] = orders
            let broken: String
            switch name {
            case "block.yaml":
                broken = try Self.blockYAML(
                    String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            case "one-line.json":
                broken = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            default:
                broken = String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
            }
            let path = try Self.write(broken, "late-\(name)")
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard case .failure(let expected) = Self.whole(path), case .failure(let got) = Self.streamed(path, batchSize: 4) else {
                Issue.record("\(name): the broken file was accepted")
                continue
            }
            #expect(got.problems == expected.problems, "\(name)\nstreamed:\n\(got)\nwhole:\n\(expected)")
            #expect(expected.problems.map(\.field).contains("orders[24].duration_minutes"))
            #expect(expected.problems.map(\.field).contains("orders[26].id"))
            #expect(expected.problems.map(\.field).contains("orders[28].pinned.technician"))
        }
    }

    @Test("A JSON file on one line is cut into batches that add up to its orders: no batch is padded to its column")
    func oneLineBatchesAreLinear() throws {
        let oneLine = try #require(try Self.generatedLayouts(orders: 400).first { $0.name == "one-line.json" }?.text)
        let path = try Self.write(oneLine, "linear.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try ByteSource(path: path)
        defer { source.close() }
        var splitter = OrderSplitter(layout: .json, collectHeader: false)
        splitter.batchSize = 10
        var batches = 0
        var bytes = 0
        var lastColumn = 0
        try splitter.run(source) { text, line, column in
            batches += 1
            bytes += text.utf8.count
            #expect(line == 1)
            lastColumn = column
        }
        #expect(batches == 40)
        // Each batch is its orders and two brackets: the text handed to the parser is at most the
        // file (before, every batch was padded with spaces to its column: quadratic in the file).
        #expect(bytes <= oneLine.utf8.count + 2 * batches)
        #expect(lastColumn > oneLine.utf8.count / 2, "the case: batches start far along the line")
    }

    @Test("Batches stop at the first problem: nothing after it is handed over")
    func batchesStopAtTheFirstProblem() throws {
        var object = try Self.generatedDay()
        var orders = try #require(object["orders"] as? [[String: Any]])
        orders[13]["type"] = "teleport"
        object["orders"] = orders
        let path = try Self.write(
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted]), as: UTF8.self), "stop.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try ScenarioStream.open(path: path)
        var handed = 0
        let rejection = #expect(throws: ScenarioRejected.self) { try stream.orders(batchSize: 5) { handed += $0.count } }
        #expect(handed == 10, "two whole batches before the batch holding orders[13]")
        #expect(rejection?.problems.map(\.field) == ["orders[13].type"])
    }

    /// Mutated files (as the loader fuzzing makes them) get the same answer either way, except
    /// where the difference is documented: an alias of an anchor outside its order, and
    /// several YAML documents in one file.
    @Test("Mutated files: streamed and whole reading accept the same files and report the same problems")
    func mutatedFilesAgree() throws {
        var seeds = try LoaderFuzzTests.seeds()
        seeds += try Self.generatedLayouts(orders: 12).map(\.text)
        let iterations = Int(ProcessInfo.processInfo.environment["FUZZ_ITERATIONS"] ?? "").map { $0 / 3 } ?? 500
        var random = SeededGenerator(seed: 20_261_201)
        var compared = 0
        var bothRejected = 0
        var bothLoaded = 0
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stream-fuzz-\(getpid()).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for index in 0..<iterations {
            let input = LoaderFuzzTests.mutate(seeds[index % seeds.count], &random)
            if input.contains("*") || input.contains("---") || input.contains("...") || input.contains("%YAML") { continue }
            try input.write(toFile: path, atomically: false, encoding: .utf8)
            let whole = Self.whole(path)
            let streamed = Self.streamed(path, batchSize: 2)
            compared += 1
            // A disagreement is recorded with a copy of its input, to reproduce it with.
            func disagree(_ what: String) {
                let kept = path + ".\(index)"
                try? input.write(toFile: kept, atomically: false, encoding: .utf8)
                Issue.record("input \(index) (kept in \(kept)): \(what)")
            }
            switch (whole, streamed) {
            case (.success(let a), .success(let b)):
                bothLoaded += 1
                if a != b { disagree("the scenarios differ") }
            case (.failure(let a), .failure(let b)):
                bothRejected += 1
                // A syntax error (a problem of no field) ends the whole parse at once; a stream
                // parses the header and each batch on its own, so it reports a syntax error too,
                // though the parser may see it from another context (another message or column).
                if a.problems.contains(where: { $0.field.isEmpty }) {
                    if !b.problems.contains(where: { $0.field.isEmpty }) {
                        disagree("no syntax error streamed\nwhole:\n\(a)\nstreamed:\n\(b)")
                    }
                } else if a.problems != b.problems {
                    disagree("whole:\n\(a)\nstreamed:\n\(b)")
                }
            case (.success, .failure(let b)):
                disagree("loads whole but the stream rejects it:\n\(b)")
            case (.failure(let a), .success):
                disagree("the stream accepts it but whole reading rejects it:\n\(a)")
            }
        }
        #expect(
            compared > iterations / 2 && bothLoaded > 0 && bothRejected > 0,
            "compared \(compared): \(bothLoaded) loaded, \(bothRejected) rejected")
    }
}

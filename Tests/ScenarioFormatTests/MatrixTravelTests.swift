import Foundation
import SchedulingCore
import Testing

@testable import ScenarioFormat

/// `travel: {model: matrix, file: …}` (docs/formats.md, "Travel"): times and metres from the
/// operator's own matrix, by order id and technician id; a pair it lacks is refused, naming the
/// first few, unless `fallback: haversine`.
@Suite("Travel from a matrix file")
struct MatrixTravelTests {
    static let folder = Fixtures.packageRoot.appendingPathComponent("scenarios")

    /// The shipped road-matrix scenario with its CSV replaced by `csv` and its travel line by `travel`,
    /// written to a fresh folder; the scenario file's path.
    static func variant(csv: String, travel: String = "travel: {model: matrix, file: road-matrix.csv}") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = try String(contentsOf: Self.folder.appendingPathComponent("road-matrix.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "travel: {model: matrix, file: road-matrix.csv}", with: travel)
        try text.write(to: folder.appendingPathComponent("road-matrix.yaml"), atomically: true, encoding: .utf8)
        try csv.write(to: folder.appendingPathComponent("road-matrix.csv"), atomically: true, encoding: .utf8)
        return folder.appendingPathComponent("road-matrix.yaml").path
    }

    static func shippedCSV() throws -> String {
        try String(contentsOf: folder.appendingPathComponent("road-matrix.csv"), encoding: .utf8)
    }

    @Test("Times and metres come from the file, one way and the other")
    func readsTheMatrix() throws {
        let scenario = try ScenarioLoader.load(path: Self.folder.appendingPathComponent("road-matrix.yaml").path)
        let place = Dictionary(scenario.orders.map { ($0.id, $0.location) }, uniquingKeysWith: { first, _ in first })
        let home = scenario.technicians[0].startLocation
        #expect(scenario.travel.minutes(from: place["WO-R2"]!, to: place["WO-R3"]!) == 12)
        #expect(scenario.travel.minutes(from: place["WO-R3"]!, to: place["WO-R2"]!) == 21)
        #expect(scenario.travel.minutes(from: home, to: place["WO-R1"]!) == 40)
        #expect(TravelModel().minutes(from: home, to: place["WO-R1"]!) < 10, "the case: close on a map")
        #expect(scenario.travel.meters(from: home, to: place["WO-R1"]!) == 9800)
        #expect(scenario.travel.legs?.count == 12)
    }

    @Test("A missing pair is refused at the file's line, naming the first pairs; with fallback: haversine it is read")
    func missingPairs() throws {
        let csv = try Self.shippedCSV().split(separator: "\n").filter { !$0.hasPrefix("WO-R3,WO-R2") && !$0.hasPrefix("T-R,WO-R1") }
            .joined(separator: "\n")
        let error = try #require(throws: ScenarioRejected.self) { try ScenarioLoader.load(path: try Self.variant(csv: csv)) }
        let problem = try #require(error.problems.first { $0.field == "travel.file" })
        #expect(problem.line == 13)  // the `travel:` line
        #expect(problem.message.contains("lacks 2 pairs of places"))
        #expect(problem.message.contains("T-R→WO-R1") && problem.message.contains("WO-R3→WO-R2"))
        let lenient = try ScenarioLoader.load(
            path: try Self.variant(
                csv: csv, travel: "travel: {model: matrix, file: road-matrix.csv, fallback: haversine}"))
        #expect(lenient.travel.legs?.count == 10)
    }

    @Test("A bad line names the CSV file and its line; an unknown key is named")
    func badLines() throws {
        let csv = "from,to,seconds,meters\nT-R,WO-R1,soon,100\nT-R,WO-R9,60\n"
        let error = try #require(throws: ScenarioRejected.self) {
            try ScenarioLoader.load(
                path: try Self.variant(csv: csv, travel: "travel: {model: matrix, file: road-matrix.csv, fallback: haversine}"))
        }
        let messages = error.problems.filter { $0.field == "travel.file" }.map(\.message)
        #expect(messages.contains { $0.hasPrefix("road-matrix.csv:2:") && $0.contains("'soon' is not a number of seconds") })
        #expect(messages.contains { $0.hasPrefix("road-matrix.csv:3:") && $0.contains("'WO-R9' is no order or technician") })
    }

    @Test("RFC 4180: CRLF line ends, a byte-order mark and quoted fields read as the plain file")
    func rfc4180() throws {
        let plain = try ScenarioLoader.load(path: Self.folder.appendingPathComponent("road-matrix.yaml").path)
        let lines = try Self.shippedCSV().split(separator: "\n")
        // As Excel writes it: a BOM, CRLF, keys quoted (one with a doubled quote would be a key of its own).
        let excel =
            "\u{FEFF}"
            + lines.map { line in line.split(separator: ",").map { "\"\($0)\"" }.joined(separator: ",") }.joined(separator: "\r\n")
            + "\r\n"
        let read = try ScenarioLoader.load(path: try Self.variant(csv: excel))
        #expect(read.travel.legs?.rows == plain.travel.legs?.rows)
        #expect(read.travel.legs?.count == 12)
        // Old Mac line ends (CR alone) too.
        #expect(
            try ScenarioLoader.load(path: try Self.variant(csv: lines.joined(separator: "\r"))).travel.legs?.rows == plain.travel.legs?.rows
        )
    }

    @Test("Refused: hex, exponents and NaN as numbers, a pair given twice with other values, stray quotes; long fields not echoed")
    func strictValues() throws {
        let lines = try Self.shippedCSV().split(separator: "\n").map(String.init)
        let fallback = "travel: {model: matrix, file: road-matrix.csv, fallback: haversine}"
        func problems(_ csv: String) throws -> [String] {
            let error = try #require(throws: ScenarioRejected.self) {
                try ScenarioLoader.load(path: try Self.variant(csv: csv, travel: fallback))
            }
            return error.problems.filter { $0.field == "travel.file" }.map(\.message)
        }
        for value in ["0x384", "1e3", "nan", "inf", "-60", "60.", ".5", "1_000", "٣٠"] {
            let messages = try problems("T-R,WO-R1,\(value)\n")
            #expect(messages.count == 1 && messages[0].contains("is not a number of seconds"), "\(value): \(messages)")
        }
        #expect(try problems("T-R,WO-R1,60,1e300\n").first?.contains("is not a number of metres") == true)
        // The same pair twice: the same values are one leg; other values are refused, naming both lines.
        let same = try ScenarioLoader.load(path: try Self.variant(csv: (lines + [lines[1]]).joined(separator: "\n")))
        #expect(same.travel.legs?.count == 12)
        let other = lines[1].replacingOccurrences(of: ",2400,", with: ",2460,")
        let conflict = try problems((lines + [other]).joined(separator: "\n"))
        #expect(
            conflict.count == 1 && conflict[0].contains(":14:") && conflict[0].contains("given again with other values (line 2 says 2400 s")
        )
        #expect(try problems("T-R,W\"O-R1,60\n").first?.contains("a quote inside field 2") == true)
        #expect(try problems("\"T-R\"x,WO-R1,60\n").first?.contains("text after the closing quote") == true)
        #expect(try problems("\"T-R,WO-R1,60\n").first?.contains("never closed") == true)
        // A 5 MB field is refused without being echoed; a long unknown key is cut to 40 characters.
        let huge = try problems("T-R,\(String(repeating: "z", count: 5_000_000)),60\nT-R,\(String(repeating: "y", count: 900)),60\n")
        #expect(huge.count == 2 && huge.allSatisfy { $0.count < 200 }, "\(huge.map(\.count))")
        #expect(huge[0].contains("longer than 1024 bytes") && huge[1].contains("(900 characters)"))
    }

    @Test("A streamed file checks its matrix after the orders and says it reads one")
    func streamed() throws {
        let stream = try ScenarioStream.open(path: Self.folder.appendingPathComponent("road-matrix.yaml").path)
        #expect(try stream.orders { _ in } == 3)
        #expect(stream.readsMatrix)
        let csv = try Self.shippedCSV().split(separator: "\n").filter { !$0.hasPrefix("WO-R1,WO-R2") }.joined(separator: "\n")
        let broken = try ScenarioStream.open(path: try Self.variant(csv: csv))
        let error = try #require(throws: ScenarioRejected.self) { try broken.orders { _ in } }
        #expect(error.problems.contains { $0.field == "travel.file" && $0.message.contains("WO-R1→WO-R2") })
    }

    @Test("A routing engine is read with its defaults, survives the JSON writer, and has no legs until built")
    func engines() throws {
        let osrm = try ScenarioLoader.parse(Fixtures.minimal(top: "travel: {model: osrm, url: \"http://router:5000/\"}"), file: "day.yaml")
        #expect(
            osrm.travel.service == .osrm(url: "http://router:5000", profile: "driving") && osrm.travel.legs == nil && !osrm.travel.fallback)
        let valhalla = try ScenarioLoader.parse(
            Fixtures.minimal(top: "travel: {model: valhalla, url: \"https://v.example\", costing: truck, fallback: haversine}"),
            file: "day.yaml")
        #expect(valhalla.travel.service == .valhalla(url: "https://v.example", costing: "truck") && valhalla.travel.fallback)
        let again = try ScenarioLoader.parse(try ScenarioJSON.encode(valhalla), file: "day.json")
        #expect(again.travel.service == valhalla.travel.service && again.travel.fallback)
        #expect(
            try ScenarioLoader.parse(Fixtures.minimal(top: "travel: {model: pgrouting}"), file: "day.yaml").travel.service == .pgrouting)
        for service in [RoutingService.osrm(url: "http://a:1", profile: "car"), .valhalla(url: "http://b", costing: "auto"), .pgrouting] {
            #expect(RoutingService(stored: service.stored) == service)
        }
    }
}

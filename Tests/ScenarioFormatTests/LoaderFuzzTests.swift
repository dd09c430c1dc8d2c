import Foundation
import ScenarioFormat
import SchedulingCore
import Testing

/// Seeded mutation fuzzing of the scenario loader: the project's own scenario files, mutated at
/// random (bytes flipped, inserted, deleted, lines duplicated or swapped, structural characters
/// and hostile values spliced in), must each load or be rejected with located problems — never
/// crash, hang or throw anything else. CI runs `FUZZ_ITERATIONS` (default 1,500) inputs from a
/// fixed seed; `bench/fuzz.sh` runs many more with a seed of its choosing.
@Suite("Loader fuzzing")
struct LoaderFuzzTests {
    static let splices = [
        "{", "}", "[", "]", ":", ",", "- ", "\n", "  ", "\"", "'", "&a", "*a", "!!binary", "~", "null", "-1", "1e308", "NaN",
        "9223372036854775807", "2026-02-30", "25:00", "Etc/GMT+99", String(repeating: "x", count: 3000), "\u{0}", "\u{FEFF}", "é",
        "<<: *a", "? ", "|", ">", "%YAML 1.1\n", "---\n", "...\n",
    ]

    static func seeds() throws -> [String] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasSuffix(".yaml") || $0.hasSuffix(".json")
        }
        return try files.sorted().map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
    }

    static func mutate(_ text: String, _ random: inout SeededGenerator) -> String {
        var bytes = Array(text.utf8)
        for _ in 0..<(1 + Int.random(in: 0..<4, using: &random)) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            case 1: bytes.remove(at: at)
            case 2: bytes.insert(contentsOf: Array(splices[Int.random(in: 0..<splices.count, using: &random)].utf8), at: at)
            case 3: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 0..<40, using: &random)))
            default:
                // A line duplicated or moved elsewhere.
                let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                guard lines.count > 2 else { continue }
                var shuffled = lines
                let line = shuffled[Int.random(in: 0..<lines.count, using: &random)]
                shuffled.insert(line, at: Int.random(in: 0..<lines.count, using: &random))
                if Int.random(in: 0..<2, using: &random) == 0 { shuffled.remove(at: Int.random(in: 0..<shuffled.count, using: &random)) }
                bytes = Array(shuffled.joined(separator: "\n").utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("Mutated scenario files load or are rejected with located problems, never anything else")
    func mutatedScenarios() throws {
        let seeds = try Self.seeds()
        try #require(!seeds.isEmpty)
        let iterations = Int(ProcessInfo.processInfo.environment["FUZZ_ITERATIONS"] ?? "") ?? 1_500
        var random = SeededGenerator(seed: UInt64(ProcessInfo.processInfo.environment["FUZZ_SEED"] ?? "") ?? 20_261_130)
        var loaded = 0
        var rejected = 0
        for index in 0..<iterations {
            let input = Self.mutate(seeds[index % seeds.count], &random)
            do {
                _ = try ScenarioLoader.parse(input, file: "fuzz-\(index).yaml")
                loaded += 1
            } catch let rejection as ScenarioRejected {
                rejected += 1
                #expect(!rejection.problems.isEmpty)
                for problem in rejection.problems where !problem.description.hasPrefix("fuzz-\(index).yaml") {
                    Issue.record("input \(index): a problem does not name the file: \(problem.description.prefix(200))")
                }
            } catch {
                Issue.record("input \(index) threw \(type(of: error)): \(String(describing: error).prefix(300))")
            }
        }
        // Both outcomes occurred: the mutations neither all break nor all spare the files.
        #expect(loaded > 0 && rejected > 0, "loaded \(loaded), rejected \(rejected)")
    }
}

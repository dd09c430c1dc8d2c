import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// Seeded mutation fuzzing of the status report body through the real server: valid bodies
/// mutated at random must each get an answer below 500, as problem details when refused.
@Suite("Body fuzzing", .serialized, .tags(.slow))
struct BodyFuzzTests {
    static let seeds = [
        #"{"state": "en_route"}"#,
        #"{"state": "on_site", "reason": "gate was open"}"#,
        #"{"state": "completed", "details": {"speed_test_mbps": 94.5, "router": "HG8145"}}"#,
        #"{"state": "transferred", "reason": "cable fault in the street"}"#,
    ]
    static let splices = [
        "{", "}", "[", "]", ":", ",", "\"", "\\", "\\u0000", "\\ud800", "null", "true", "-0", "1e999", "NaN",
        String(repeating: "[", count: 600), "\u{FEFF}", "é", " ", "\"state\"", "\"details\"", "{\"a\":{\"b\":1}}",
    ]

    @Test("Mutated status bodies get 4xx problems or a success, never a 5xx", arguments: Backend.all)
    func mutatedBodies(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let agenda = try await api.request("GET", "/v1/me/agenda?date=2026-11-23")
            let orders = ((agenda.object["visits"] as? [[String: Any]]) ?? []).compactMap { $0["order"] as? String }
            let order = try #require(orders.first)
            let iterations = Int(ProcessInfo.processInfo.environment["FUZZ_ITERATIONS"] ?? "").map { $0 / 5 } ?? 300
            var random = SeededGenerator(seed: UInt64(ProcessInfo.processInfo.environment["FUZZ_SEED"] ?? "") ?? 20_261_130)
            var statuses: [Int: Int] = [:]
            for index in 0..<iterations {
                var bytes = Array(Self.seeds[index % Self.seeds.count].utf8)
                for _ in 0..<(1 + Int.random(in: 0..<3, using: &random)) where !bytes.isEmpty {
                    let at = Int.random(in: 0..<bytes.count, using: &random)
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
                    case 1: bytes.remove(at: at)
                    case 2:
                        bytes.insert(contentsOf: Array(Self.splices[Int.random(in: 0..<Self.splices.count, using: &random)].utf8), at: at)
                    default: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 0..<12, using: &random)))
                    }
                }
                let reply = try await api.request("POST", "/v1/me/orders/\(order)/status", body: Data(bytes))
                statuses[reply.status, default: 0] += 1
                #expect(
                    reply.status > 0 && reply.status < 500,
                    "input \(index): \(reply.status) for \(String(decoding: bytes, as: UTF8.self).prefix(200))")
                if reply.status >= 400 { #expect(reply.header("Content-Type") == "application/problem+json", "input \(index)") }
            }
            // Refusals of several kinds occurred, not only one.
            #expect(statuses.keys.filter { $0 >= 400 }.count >= 2, "\(statuses)")
        }
    }
}

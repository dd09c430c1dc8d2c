import DispatchTestSupport
import Foundation
import Testing

/// The concurrency harness (bench/concurrency.py) at CI size: every actor at once for a short
/// while on each backend, then the invariants read from the database must all be zero, and the
/// actors must have done what they are there for (a sender killed, statuses reported, plans
/// published, conflicts met).
@Suite("Concurrency harness", .serialized, .tags(.slow))
struct ConcurrencyHarnessTests {
    @Test(
        "Every actor at once: no error reaching a user, no locked visit moved, no notice twice, no fork, every check passes",
        arguments: Backend.all)
    func harness(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let script = DispatchRunner.packageRoot.appendingPathComponent("bench/concurrency.py").path
            let url = database.url
            // Waited for off the cooperative pool: the harness runs for a minute or more.
            let (data, errors, status) = try await offPool { () throws -> (Data, String, Int32) in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = [
                    "python3", script, DispatchRunner.binary.path, "--database", url, "--seconds", "30", "--json",
                    // A starved CI machine may stall a delivery past a 3-s lease (then repeated, as documented).
                    "--claim-seconds", "10",
                ]
                let out = Pipe()
                let err = Pipe()
                process.standardOutput = out
                process.standardError = err
                try process.run()
                let data = out.fileHandleForReading.readDataToEndOfFile()
                let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                return (data, errors, process.terminationStatus)
            }
            let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "no report: \(errors.suffix(2000))")
            let violations = try #require(report["violations"] as? [String: Int])
            let activity = try #require(report["activity"] as? [String: Int])
            #expect(violations.count == 7)
            for (name, count) in violations { #expect(count == 0, "\(name): \(count); samples: \(report["samples"] ?? [:])") }
            #expect(status == 0)
            // The cases occurred.
            #expect(activity["senders killed", default: 0] >= 1, "\(activity)")
            #expect(activity["HTTP 2xx", default: 0] >= 20, "\(activity)")
            #expect(activity["notices acknowledged", default: 0] >= 5, "\(activity)")
            #expect(activity["planner runs", default: 0] >= 1 && activity["desk runs", default: 0] >= 1, "\(activity)")
            #expect(activity["history events", default: 0] >= 250, "\(activity)")
        }
    }
}

import DispatchTestSupport
import Foundation
import Testing

/// `scripts/test-postgres` gives each run a server of its own (issue 25, point 13): two suites at
/// once never share a server or a database, and a server the script did not start is never used.
@Suite("scripts/test-postgres", .tags(.slow))
struct TestServerScriptTests {
    static let script = DispatchRunner.packageRoot.appendingPathComponent("scripts/test-postgres").path

    static func run(_ arguments: [String], port: Int? = nil) throws -> DispatchRunner.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FIELDDISPATCH_PG_PORT"] = port.map(String.init)
        process.environment = environment
        // Output to files, not pipes: the server the script starts inherits the descriptors it was
        // given, and a pipe it holds open would never reach its end.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("test-postgres-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (out, err) = (folder.appendingPathComponent("out"), folder.appendingPathComponent("err"))
        for file in [out, err] { FileManager.default.createFile(atPath: file.path, contents: nil) }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return .init(
            status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8))
    }

    static func runOffThread(_ arguments: [String], port: Int? = nil) async throws -> DispatchRunner.Result {
        try await offPool { try run(arguments, port: port) }
    }

    /// A process that stands for a test run owning a server.
    static func owner() throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["600"]
        try process.run()
        return process
    }

    static func port(_ conninfo: String) -> Int? {
        conninfo.split(separator: " ").first { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) }
    }

    @Test(
        "Two runs get two servers; a port another run holds, or that something else listens on, is refused",
        .enabled(if: ProcessInfo.processInfo.environment[Backend.postgresVariable] != nil, "needs a PostgreSQL installation"))
    func eachRunItsOwnServer() async throws {
        let first = try Self.owner()
        let second = try Self.owner()
        var ports: [Int] = []
        defer {
            for process in [first, second] where process.isRunning { kill(process.processIdentifier, SIGKILL) }
            for port in ports { _ = try? Self.run(["stop", String(port)]) }
        }
        // Both started at once (the CI failure of stop 31: two starts chose one port, the second's
        // bind failed): each gets a server, on ports of their own.
        async let startA = Self.runOffThread(["start", "--owner", String(first.processIdentifier)])
        async let startB = Self.runOffThread(["start", "--owner", String(second.processIdentifier)])
        let (a, b) = try await (startA, startB)
        ports += [a, b].compactMap { Self.port($0.stdout) }
        try #require(a.status == 0, "\(a.stderr)")
        try #require(b.status == 0, "\(b.stderr)")
        let portA = try #require(Self.port(a.stdout))
        let portB = try #require(Self.port(b.stdout))
        #expect(portA != portB)

        // The first run's port, asked for by name while that run lives: refused, naming the run.
        let taken = try await Self.runOffThread(["start", "--owner", String(second.processIdentifier)], port: portA)
        #expect(taken.status == 1 && taken.stderr.contains("has the server of another run"), "\(taken.stderr)")
        // A port something else listens on (a server of this test process): refused, never used.
        let receiver = try await NoticeReceiver()
        defer { receiver.stop() }
        let foreign = try await Self.runOffThread(["start"], port: receiver.port)
        #expect(foreign.status == 1 && foreign.stderr.contains("this script did not start"), "\(foreign.stderr)")

        // Once the first run has gone, its port is given to the next run with a fresh server.
        // (SIGKILL: a child of this process may have SIGTERM blocked, as its threads have.)
        kill(first.processIdentifier, SIGKILL)
        await first.exited()
        let again = try await Self.runOffThread(["start", "--owner", String(second.processIdentifier)], port: portA)
        #expect(again.status == 0 && Self.port(again.stdout) == portA, "\(again.stderr)")
    }
}

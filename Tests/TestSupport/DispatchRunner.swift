import Foundation

/// Runs the built `dispatch` binary as a user would, in a scratch directory.
public struct DispatchRunner: Sendable {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    public let directory: URL
    public var environment: [String: String]

    /// A new empty working directory; DISPATCH_DATABASE is cleared so the default applies.
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dispatch-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        environment = ProcessInfo.processInfo.environment
        environment["DISPATCH_DATABASE"] = nil
        environment["DISPATCH_NOW"] = nil
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }

    /// The binary sits beside the test bundle in the build products folder.
    public static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["DISPATCH_BINARY"] { return URL(fileURLWithPath: path) }
        var folder = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("dispatch")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/dispatch")
    }()

    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func scenario(_ name: String) -> String {
        packageRoot.appendingPathComponent("scenarios/\(name).yaml").path
    }

    /// A day made by `dispatch generate` with `arguments`, written to day.json in the working
    /// directory, then migrated and imported into the database `database` names; its path, or
    /// nil if a step failed.
    public func importGenerated(_ arguments: [String], _ database: String) async throws -> String? {
        let day = try write("day.json", try await run(["generate", "--date", "2026-11-23"] + arguments).stdout)
        guard try await run("db", "migrate", database).status == 0, try await run("import", day, database).status == 0 else {
            return nil
        }
        return day
    }

    /// The coordinated-visit sample migrated, imported, planned as of the evening before at
    /// 21:00 and published, in the database `database` names (`--database=URL`); false if a step failed.
    public func publishSample(_ database: String) async throws -> Bool {
        guard try await run("db", "migrate", database).status == 0,
            try await run("import", Self.scenario("coordinated-visit"), database).status == 0
        else { return false }
        let plan = ["plan", "--date", "2026-11-23", "--commit", "--iterations", "50", "--now", "2026-11-22T21:00:00+08:00", database]
        return try await run(plan).status == 0
    }

    public func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func makeProcess(_ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment
        return process
    }

    /// Starts the binary without waiting for it; its output is discarded, or its standard error
    /// written to the file `stderr` names in the working directory.
    public func start(_ arguments: [String], stderr: String? = nil) throws -> Process {
        let process = makeProcess(arguments)
        process.standardOutput = FileHandle.nullDevice
        if let stderr {
            let url = directory.appendingPathComponent(stderr)
            FileManager.default.createFile(atPath: url.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: url)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    @discardableResult
    public func run(_ arguments: String...) async throws -> Result { try await run(arguments) }

    /// Runs the command to its end, waited for off the cooperative pool (see `offPool`).
    @discardableResult
    public func run(_ arguments: [String]) async throws -> Result {
        let runner = self
        return try await offPool { try runner.runBlocking(arguments) }
    }

    /// `run`, blocking the calling thread (`run` calls it on a thread of its own).
    private func runBlocking(_ arguments: [String]) throws -> Result {
        let process = makeProcess(arguments)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

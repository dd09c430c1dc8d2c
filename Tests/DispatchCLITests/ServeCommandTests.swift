import DispatchTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `dispatch serve` as a process: tokens from the CLI, a log line per request that never holds a
/// token or a phone number, and a clean stop on SIGTERM.
@Suite("dispatch serve", .serialized)
struct ServeCommandTests {
    /// The port a starting server says it listens on, from its log.
    static func port(in log: URL) async throws -> Int {
        for _ in 0..<200 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on 127\.0\.0\.1:\d+"#, options: .regularExpression),
                let port = Int(text[range].split(separator: ":").last ?? "")
            {
                return port
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw TestSetupError(message: "the server did not say its port: \(text.suffix(500))")
    }

    @Test("Serves with CLI tokens, logs without secrets, stops cleanly on SIGTERM")
    func serveLogsAndStops() async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try #require(runner.run("db", "migrate").status == 0)
        try #require(runner.run("import", DispatchRunner.scenario("coordinated-visit")).status == 0)
        try #require(
            runner.run("plan", "--date", "2026-11-23", "--commit", "--iterations", "50", "--now", "2026-11-22T21:00:00+08:00").status == 0)
        let issued = try runner.run("technicians", "token", "T01")
        #expect(issued.status == 0 && issued.stderr.isEmpty)
        let token = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("fdt_") && !token.contains("\n"))
        #expect(try runner.run("technicians", "token", "T99").status == 2)

        let agenda = try runner.run("agenda", "--technician", "T01", "--date", "2026-11-23")
        #expect(agenda.status == 0 && agenda.stdout.contains("WO-1001") && agenda.stdout.contains("+86 138 0000 0000"))
        #expect(try runner.run("agenda", "--technician", "T99", "--date", "2026-11-23").status == 2)

        let server = try runner.start(["serve", "--port", "0"], stderr: "serve.log")
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let log = runner.directory.appendingPathComponent("serve.log")
        let port = try await Self.port(in: log)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/me/agenda?date=2026-11-23")!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("+86 138 0000 0000"))  // T01 is the group's contact

        #expect(try runner.run("technicians", "token", "T01", "--revoke").status == 0)
        let (_, revoked) = try await URLSession.shared.data(for: request)
        #expect((revoked as? HTTPURLResponse)?.statusCode == 401)

        // A second server on the same port names the port and what to do.
        let busy = try runner.run("serve", "--port", "\(port)")
        #expect(busy.status == 2 && busy.stderr.contains("cannot listen on 127.0.0.1:\(port): the port is in use"), "\(busy.stderr)")

        kill(server.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(15)
        while server.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!server.isRunning, "still running 15 s after SIGTERM")
        #expect(server.terminationStatus == 0)
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.contains("route=/v1/me/agenda") && text.contains("technician=T01") && text.contains("status=401"))
        #expect(!text.contains(token) && !text.contains(String(token.suffix(43))))
        #expect(!text.contains("+86 138 0000 0000") && !text.contains("0000 0000"))
    }

    @Test("PostgreSQL going away and coming back: readiness 503 only while it is down, recovery within seconds, logged")
    func reconnectsToPostgres() async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try await TestDatabase.with(.postgresql) { database in
            // The server's sessions carry their own name, so only they are terminated below (other
            // tests use the same server at the same time).
            let name = "serve_\(UUID().uuidString.prefix(8))"
            let db = "--database=\(database.url) application_name=\(name)"
            try #require(runner.run("db", "migrate", db).status == 0)
            let server = try runner.start(["serve", "--port", "0", "--connections", "2", db], stderr: "serve.log")
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            let log = runner.directory.appendingPathComponent("serve.log")
            let port = try await Self.port(in: log)
            let ready = URL(string: "http://127.0.0.1:\(port)/readyz")!
            func status() async -> Int {
                (try? await URLSession.shared.data(from: ready)).flatMap { ($0.1 as? HTTPURLResponse)?.statusCode } ?? 0
            }
            #expect(await status() == 200)
            // Every backend of the server's schema is terminated, as a restart or fail-over would.
            let killed = try database.connection.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?", [.text(name)])
            #expect(!killed.isEmpty)
            // Recovery is the first request after the loss; the deadline only bounds a loaded machine.
            var answers: [Int] = []
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline {
                let code = await status()
                answers.append(code)
                if answers.suffix(4) == [200, 200, 200, 200] { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(answers.suffix(4) == [200, 200, 200, 200], "readiness after the backends were terminated: \(answers)")
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(text.contains("database connection lost") && text.contains("database connection opened again"), "\(text.suffix(2000))")
        }
    }
}

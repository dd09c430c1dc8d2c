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
            // poll: the port is only known from the child's log
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw TestSetupError(message: "the server did not say its port: \(text.suffix(500))")
    }

    @Test("Serves with CLI tokens, logs without secrets, stops cleanly on SIGTERM")
    func serveLogsAndStops() async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try await #require(runner.run("db", "migrate").status == 0)
        try await #require(runner.run("import", DispatchRunner.scenario("coordinated-visit")).status == 0)
        try await #require(
            runner.run("plan", "--date", "2026-11-23", "--commit", "--iterations", "50", "--now", "2026-11-22T21:00:00+08:00").status == 0)
        let issued = try await runner.run("technicians", "token", "T01")
        #expect(issued.status == 0 && issued.stderr.isEmpty)
        let token = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("fdt_") && !token.contains("\n"))
        #expect(try await runner.run("technicians", "token", "T99").status == 2)

        let agenda = try await runner.run("agenda", "--technician", "T01", "--date", "2026-11-23")
        #expect(agenda.status == 0 && agenda.stdout.contains("WO-1001") && agenda.stdout.contains("+86 138 0000 0000"))
        #expect(try await runner.run("agenda", "--technician", "T99", "--date", "2026-11-23").status == 2)

        let server = try runner.start(["serve", "--port", "0"], stderr: "serve.log")
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let log = runner.directory.appendingPathComponent("serve.log")
        let port = try await Self.port(in: log)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/me/agenda?date=2026-11-23")!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("+86 138 0000 0000"))  // T01 is the group's contact

        #expect(try await runner.run("technicians", "token", "T01", "--revoke").status == 0)
        let (_, revoked) = try await URLSession.shared.data(for: request)
        #expect((revoked as? HTTPURLResponse)?.statusCode == 401)

        // An integration client's token, with its scope, reads an order (issue 27).
        #expect(try await runner.run("clients", "token", "order-system").status == 2)  // no scope
        let unknownScope = try await runner.run("clients", "token", "order-system", "--scope", "orders:read,bookings")
        #expect(unknownScope.status == 2 && unknownScope.stderr.contains("unknown scope 'bookings'"), "\(unknownScope.stderr)")
        let client = try await runner.run("clients", "token", "order-system", "--scope", "orders:read")
        let clientToken = client.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(client.status == 0 && clientToken.hasPrefix("fdc_"))
        var read = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/orders/WO-1001")!)
        read.setValue("Bearer \(clientToken)", forHTTPHeaderField: "Authorization")
        let (order, answered) = try await URLSession.shared.data(for: read)
        #expect((answered as? HTTPURLResponse)?.statusCode == 200)
        #expect((try JSONSerialization.jsonObject(with: order) as? [String: Any])?["id"] as? String == "WO-1001")
        let listed = try await runner.run("clients", "list")
        #expect(listed.stdout.contains("order-system") && listed.stdout.contains("orders:read") && !listed.stdout.contains(clientToken))

        // A second server on the same port names the port and what to do.
        let busy = try await runner.run("serve", "--port", "\(port)")
        #expect(busy.status == 2 && busy.stderr.contains("cannot listen on 127.0.0.1:\(port): the port is in use"), "\(busy.stderr)")

        kill(server.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(15)
        // poll: a child process's exit
        while server.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!server.isRunning, "still running 15 s after SIGTERM")
        #expect(server.terminationStatus == 0)
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.contains("route=/v1/me/agenda") && text.contains("technician=T01") && text.contains("status=401"))
        #expect(!text.contains(token) && !text.contains(String(token.suffix(43))))
        #expect(
            text.contains("route=/v1/orders/") && text.contains("client=order-system") && !text.contains(String(clientToken.suffix(43))))
        #expect(!text.contains("+86 138 0000 0000") && !text.contains("0000 0000"))
    }

    @Test("PostgreSQL going away and coming back: readiness 503 only while it is down, recovery within seconds, logged", .postgresql)
    func reconnectsToPostgres() async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try await TestDatabase.with(.postgresql) { database in
            // The server's sessions carry their own name, so only they are terminated below (other
            // tests use the same server at the same time).
            let name = "serve_\(UUID().uuidString.prefix(8))"
            let db = "--database=\(database.url) application_name=\(name)"
            try await #require(runner.run("db", "migrate", db).status == 0)
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
                // poll: readiness of a restarted server
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(answers.suffix(4) == [200, 200, 200, 200], "readiness after the backends were terminated: \(answers)")
            kill(server.processIdentifier, SIGTERM)
            await server.exited()
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(text.contains("database connection lost") && text.contains("database connection opened again"), "\(text.suffix(2000))")
        }
    }

    /// A status report as T01 for WO-1001 to the server on `port`; the HTTP status and body.
    static func report(_ state: String, port: Int, token: String) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/me/orders/WO-1001/status")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("{\"state\": \"\(state)\"}".utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("serve acts at DISPATCH_NOW like every command: a report two days early is refused with why, on the day taken")
    func servesAReplayedDay() async throws {
        var runner = try DispatchRunner()
        defer { runner.remove() }
        try await #require(try runner.publishSample("--database=sqlite:dispatch.sqlite"))
        let token = try await runner.run("technicians", "token", "T01").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for (now, expected) in [("2026-11-21T08:00:00+08:00", 422), ("2026-11-23T08:30:00+08:00", 200)] {
            runner.environment["DISPATCH_NOW"] = now
            let server = try runner.start(["serve", "--port", "0"], stderr: "serve-\(expected).log")
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            let log = runner.directory.appendingPathComponent("serve-\(expected).log")
            let port = try await Self.port(in: log)
            let (status, body) = try await Self.report("en_route", port: port, token: token)
            #expect(status == expected, "at \(now): \(body)")
            if expected == 422 { #expect(body.contains("planned for 2026-11-23 and it is 2026-11-21")) }
            kill(server.processIdentifier, SIGTERM)
            await server.exited()
            #expect(try String(contentsOf: log, encoding: .utf8).contains("serving as at a fixed time from DISPATCH_NOW"))
        }
    }

    @Test("--max-connections above what the open-file limit allows is lowered at start, and said")
    func connectionsFitTheFileLimit() async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try #require(try await runner.run("db", "migrate").status == 0)
        // The server under a hard limit of 256 open files, as a service manager may start it.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -n 256 && exec \"$0\" serve --port 0 --max-connections 512", DispatchRunner.binary.path]
        process.currentDirectoryURL = runner.directory
        process.environment = runner.environment
        let log = runner.directory.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let port = try await Self.port(in: log)
        let (_, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        kill(process.processIdentifier, SIGTERM)
        await process.exited()
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.contains("--max-connections 512 lowered to 184: the process may open 256 files"), "\(text.prefix(1500))")
    }
}

import DispatchStore
import DispatchTestSupport
import Foundation
import Testing

/// The edges of the command line found by hostile checks (issue 25): nothing planned on straight
/// lines without a word, `import` refusing what `validate` refuses, every value from outside in
/// a documented range, scripted events checked against the day, and outputs that fit the terminal.
@Suite("Command-line edges")
struct EdgeCommandTests {
    /// A generated day as JSON, its `travel` replaced by `travel`.
    static func generated(_ cli: DispatchRunner, orders: Int = 20, technicians: Int = 3, travel: [String: Any]) async throws -> [String:
        Any]
    {
        let text = try await cli.run("generate", "--orders", "\(orders)", "--technicians", "\(technicians)", "--date", "2026-11-23").stdout
        var day = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        day["travel"] = travel
        return day
    }

    static func write(_ cli: DispatchRunner, _ name: String, _ object: [String: Any]) throws -> String {
        try cli.write(name, String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
    }

    @Test("plan and check --scenario with travel.model osrm fetch the matrix; pgrouting without a database is refused")
    func scenarioOnRoads() async throws {
        let server = try await RoutingServer()
        defer { server.stop() }
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let roads = try await Self.write(cli, "roads.json", try Self.generated(cli, travel: ["model": "osrm", "url": server.url]))
        let straight = try await Self.write(cli, "straight.json", try Self.generated(cli, travel: ["model": "haversine"]))

        let planned = try await cli.run(["plan", "--scenario", roads, "--iterations", "200"])
        #expect(planned.status == 0, "\(planned.stderr)")
        #expect(planned.stderr.contains("fetching the road matrix") && !server.requests.isEmpty, "\(planned.stderr)")
        let onRoads = try cli.write("roads-plan.json", planned.stdout)
        let checked = try await cli.run(["check", "--scenario", roads, "--plan", onRoads])
        #expect(checked.status == 0, "\(checked.stdout)")

        // A plan made on straight lines drives the stand-in's slower roads too fast: check reads the roads.
        let fiction = try cli.write("straight-plan.json", try await cli.run("plan", "--scenario", straight, "--iterations", "200").stdout)
        let broken = try await cli.run(["check", "--scenario", roads, "--plan", fiction])
        #expect(broken.status == 1 && broken.stdout.contains("H3"), "\(broken.stdout)")
        #expect(try await cli.run("check", "--scenario", straight, "--plan", fiction).status == 0)

        // An engine that cannot be reached: refused, never planned on straight lines instead.
        let away = try await Self.write(cli, "away.json", try Self.generated(cli, travel: ["model": "osrm", "url": "http://127.0.0.1:9"]))
        var quick = cli
        quick.environment["DISPATCH_ROUTING_TIMEOUT"] = "2"
        let unreachable = try await quick.run("plan", "--scenario", away, "--iterations", "10")
        #expect(unreachable.status == 1 && unreachable.stdout.isEmpty, "\(unreachable.status) \(unreachable.stderr)")
        #expect(unreachable.stderr.contains("cannot reach OSRM") && unreachable.stderr.contains("not planned on straight lines"))
        let pgrouting = try await Self.write(cli, "pg.json", try Self.generated(cli, travel: ["model": "pgrouting"]))
        let refused = try await cli.run("plan", "--scenario", pgrouting)
        #expect(refused.status == 2 && refused.stderr.contains("dispatch import") && refused.stderr.contains("--date"), "\(refused.stderr)")
    }

    @Test("import refuses a header problem as validate does, before writing anything", arguments: Backend.all)
    func importAgreesWithValidate(_ backend: Backend) async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let text = try String(contentsOfFile: DispatchRunner.scenario("sample-day"), encoding: .utf8)
            .replacingOccurrences(of: "valid_to: 2026-12-31", with: "valid_to: 2006-12-31")
        let file = try cli.write("ended.yaml", text)
        try await TestDatabase.with(backend) { database in
            let db = "--database=\(database.url)"
            #expect(try await cli.run("db", "migrate", db).status == 0)
            let validated = try await cli.run("validate", file)
            let imported = try await cli.run("import", file, db)
            #expect(validated.status == 2 && imported.status == 2, "\(imported.stderr)")
            #expect(imported.stderr.contains("valid_to: the contract ends (2006-12-31) before it starts (2026-01-01)"))
            #expect(!imported.stderr.contains("CHECK") && !imported.stderr.contains("refused the data"))
            #expect(imported.stderr == validated.stderr)
            #expect(try database.connection.query("SELECT count(*) AS n FROM crews", []).first?.int("n") == 0)
        }
    }

    @Test("Values from outside in their ranges: huge, negative and odd values are refused with the range, exit 2")
    func ranges() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        #expect(try await cli.run("db", "migrate").status == 0)
        #expect(try await cli.run("import", DispatchRunner.scenario("sample-day")).status == 0)
        let huge = "9223372036854775807"
        for (arguments, expected) in [
            (["notices", "send", "--sink", "file:n.jsonl", "--concurrency", huge], "--concurrency must be between 1 and 64"),
            (["notices", "send", "--sink", "file:n.jsonl", "--attempts", "1000"], "--attempts must be between 1 and 20"),
            (["delay", "WO-1001", "--minutes", "5", "--actor", String(repeating: "a", count: 100_000)], "--actor must be at most 64"),
            (["delay", "WO-1001", "--minutes", "5", "--actor", "eve\u{1B}[2J"], "without control characters"),
            (["delay", "WO-1001", "--minutes", "5", "--now", "2026-11-23T09:00:00+23:59"], "offset from -12:00 to +14:00"),
            (["delay", "WO-1001", "--minutes", "5", "--now", "9999-11-23T09:00:00+08:00"], "between the years 2000 and 2199"),
            (["plan", "--date", "2026-11-23", "--seconds", "1e308"], "--seconds must be above 0 and at most 3600"),
            (["plan", "--date", "2026-11-23", "--iterations", huge], "--iterations must be between 0 and 100000000"),
            (["nightly", "run", "--lease-seconds", huge], "--lease-seconds must be between 1 and 3600"),
            (["travel", "build", "--date", "2026-11-23", "--deadline", "0"], "--deadline must be from 1 to 86400"),
            (["serve", "--trusted-proxy", "10.0.0.0/33"], "is not an IP address or CIDR network"),
            (["serve", "--body-timeout", "0"], "--body-timeout must be between 1 and 300"),
        ] {
            let result = try await cli.run(arguments)
            #expect(result.status == 2 && result.stderr.contains(expected), "\(arguments.prefix(4)): \(result.stderr.prefix(300))")
            #expect(result.stderr.count < 2_000, "\(arguments.prefix(3)): echoed \(result.stderr.count) characters")
        }
        var bad = cli
        bad.environment["DISPATCH_ROUTING_DEADLINE"] = "-1"
        let refused = try await bad.run("travel", "build", "--date", "2026-11-23")
        #expect(refused.status == 2 && refused.stderr.contains("DISPATCH_ROUTING_DEADLINE '-1' is not a number of seconds from 1 to 86400"))
    }

    @Test("simulate --events: unknown orders and technicians, missing fields and other days are refused before anything runs")
    func scriptedEventsFitTheDay() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        #expect(try await cli.run("db", "migrate").status == 0)
        #expect(try await cli.run("import", DispatchRunner.scenario("sample-day")).status == 0)
        #expect(
            try await cli.run("plan", "--date", "2026-11-23", "--commit", "--iterations", "50", "--now", "2026-11-22T21:00:00+08:00").status
                == 0)
        let events = try cli.write(
            "events.json",
            """
            [
              {"kind": "cancel", "at": "2026-11-23T10:00:00+08:00", "order": "WO-NOPE"},
              {"kind": "delay", "at": "2026-11-23T10:00:00+08:00", "order": "WO-1001"},
              {"kind": "sick", "at": "2026-11-24T10:00:00+08:00", "technician": "T01"},
              {"kind": "move", "at": "2026-11-23T10:00:00+08:00", "order": "WO-1001", "technician": "T99"},
              {"kind": "urgent", "at": "2026-11-23T10:00:00+08:00", "order": "WO-1001", "near": "WO-1002"},
              {"kind": "delay", "at": "2026-11-23T10:00:00+08:00", "order": "WO-1001", "minutes": 100000}
            ]
            """)
        let result = try await cli.run("simulate", "--date", "2026-11-23", "--events", events)
        #expect(result.status == 2 && result.stdout.isEmpty, "\(result.stderr)")
        for expected in [
            "event 0 (cancel): no order WO-NOPE on 2026-11-23", "event 1 (delay): needs minutes",
            "event 2 (sick): at 2026-11-24T10:00:00+08:00 is on 2026-11-24",
            "event 3 (move): no technician T99", "event 4 (urgent): order WO-1001 is already on the day", "event 5 (delay): minutes 100000",
        ] {
            #expect(result.stderr.contains(expected), "\(expected)\n\(result.stderr)")
        }
    }

    @Test("A file that is no scenario: its text is never echoed; a device is refused at once")
    func noEcho() async throws {
        var cli = try DispatchRunner()
        defer { cli.remove() }
        cli.environment["FIELDDISPATCH_SECRET_PROBE"] = "hunter2-\(UUID().uuidString)"
        let environ = try await cli.run("validate", "/proc/self/environ")
        #expect(environ.status == 2 && environ.stderr.contains("not valid YAML"), "\(environ.stderr)")
        #expect(!environ.stderr.contains("hunter2") && !environ.stderr.contains("PATH="))
        let device = try await cli.run("validate", "/dev/zero")
        #expect(device.status == 2 && device.stderr.contains("it is a device, not a file"))
        #expect(try await cli.run("plan", "--scenario", "/dev/zero").stderr.contains("it is a device, not a file"))
        let piped = Process()
        piped.executableURL = URL(fileURLWithPath: "/bin/sh")
        piped.arguments = [
            "-c", "cat \"$1\" | \"$0\" validate /dev/stdin", DispatchRunner.binary.path, DispatchRunner.scenario("sample-day"),
        ]
        let pipe = Pipe()
        piped.standardError = pipe
        piped.standardOutput = FileHandle.nullDevice
        try piped.run()
        let said = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        piped.waitUntilExit()
        #expect(piped.terminationStatus == 2 && said.contains("it is a pipe") && said.contains("save it to a file first"), "\(said)")
    }

    /// The widest line of `text`, in characters.
    static func widest(_ text: String) -> Int { text.split(separator: "\n").map(\.count).max() ?? 0 }

    @Test("Outputs fit the terminal: explain, report, simulate, agenda within 100 columns (or COLUMNS); addresses wrap, not cut")
    func widths() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let database = "--database=sqlite:\(cli.directory.appendingPathComponent("w.sqlite").path)"
        // Every address long, as a real one is: the agenda must wrap it, not cut it.
        var day = try await Self.generated(cli, orders: 160, technicians: 20, travel: ["model": "haversine"])
        day["orders"] = (day["orders"] as? [[String: Any]] ?? []).map { order in
            var order = order
            var location = order["location"] as? [String: Any] ?? [:]
            location["address"] = "Bulevardi 10 A 7, 00120 Helsinki, entrance from the courtyard"
            order["location"] = location
            return order
        }
        let file = try Self.write(cli, "long.json", day)
        #expect(try await cli.run("db", "migrate", database).status == 0)
        #expect(try await cli.run("import", file, database).status == 0)
        let now = "--now=2026-11-22T20:00:00+08:00"
        #expect(try await cli.run("plan", "--date", "2026-11-23", "--commit", "--iterations", "200", now, database).status == 0)
        let orders = try await cli.run("orders", "list", "--date", "2026-11-23", "--format", "json", database).stdout
        let list = try #require(try JSONSerialization.jsonObject(with: Data(orders.utf8)) as? [[String: Any]])
        let unassigned = try #require(list.first { $0["status"] as? String == "new" }?["id"] as? String)
        let explain = try await cli.run("explain", unassigned, now, database)
        #expect(explain.status == 0 && Self.widest(explain.stdout) <= 100, "explain: \(Self.widest(explain.stdout))")
        #expect(explain.stdout.contains("\n             "), "a reason wrapped under itself")
        let report = try await cli.run("report", "--from", "2026-11-01", "--to", "2026-11-30", database)
        #expect(report.status == 0 && Self.widest(report.stdout) <= 100, "report: \(Self.widest(report.stdout))")
        var narrow = cli
        narrow.environment["COLUMNS"] = "80"
        let report80 = try await narrow.run("report", "--from", "2026-11-01", "--to", "2026-11-30", database)
        #expect(Self.widest(report80.stdout) <= 80 && report80.stdout.components(separatedBy: "MEASURE").count > 2, "\(report80.stdout)")
        let agenda = try await cli.run("agenda", "--technician", "T001", "--date", "2026-11-23", now, database)
        #expect(agenda.status == 0 && Self.widest(agenda.stdout) <= 100)
        #expect(agenda.stdout.contains("courtyard") && !agenda.stdout.contains("…"), "\(agenda.stdout)")
        let simulated = try await cli.run("simulate", "--date", "2026-11-23", "--cancellations-per-hour", "2", database)
        #expect(simulated.status == 0 && Self.widest(simulated.stdout) <= 100, "simulate: \(Self.widest(simulated.stdout))")
        #expect(simulated.stdout.contains("planned visits on time:"))
        let history = try await cli.run("orders", "history", "WO-1", database)
        #expect(history.status == 0 && !history.stdout.contains("--wide"))
    }
}

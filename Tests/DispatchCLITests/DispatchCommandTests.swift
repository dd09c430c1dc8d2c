import DispatchTestSupport
import Foundation
import Testing

@Suite("dispatch command line")
struct DispatchCommandTests {
    @Test("Migrate, import and list a day on the embedded SQLite default")
    func firstSession() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let migrate = try await cli.run("db", "migrate")
        #expect(migrate.status == 0)
        #expect(migrate.stdout.contains("sqlite:dispatch.sqlite: applied migrations 1, 2"))
        #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("dispatch.sqlite").path))
        #expect(try await cli.run("db", "migrate").stdout.contains("schema is up to date"))

        let imported = try await cli.run("import", DispatchRunner.scenario("coordinated-visit"))
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("3 technicians, 2 customers, 4 orders"))
        let again = try await cli.run("import", DispatchRunner.scenario("coordinated-visit"))
        #expect(again.stdout.hasSuffix("nothing changed\n"))

        let table = try await cli.run("orders", "list", "--date", "2026-11-23")
        #expect(table.status == 0)
        #expect(table.stdout.contains("WO-1001  install  broadband  Li Na"))
        #expect(table.stdout.contains("09:00–11:00"))
        #expect(table.stdout.contains("4 orders on 2026-11-23 (Asia/Shanghai)"))

        let json = try await cli.run("orders", "list", "--date", "2026-11-23", "--format", "json")
        let orders = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(orders.count == 4)
        let window = try #require(orders.first?["window"] as? [String: String])
        #expect(window["start"] == "2026-11-23T09:00:00+08:00")

        let technicians = try await cli.run("technicians", "list", "--format", "json")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(technicians.stdout.utf8)) as? [[String: Any]])
        #expect(list.compactMap { $0["id"] as? String } == ["T01", "T02", "T03"])

        // Planned and published as of the evening before, then checked without --now: the
        // notice rule is read against the moment the plan was made for, not the wall clock.
        let planned = try await cli.run(
            "plan", "--date", "2026-11-23", "--commit", "--iterations", "50", "--now", "2026-11-22T21:00:00+08:00")
        #expect(planned.status == 0, "\(planned.stderr)")
        let check = try await cli.run("check", "--date", "2026-11-23")
        #expect(check.status == 0 && check.stdout.contains("valid"), "\(check.stdout)")
    }

    @Test("A malformed scenario exits 2, names line and field, and leaves the database as it was")
    func malformedScenario() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        try await cli.run("db", "migrate")
        try await cli.run("import", DispatchRunner.scenario("qualification"))
        let before = try await cli.run("orders", "list", "--date", "2026-11-23", "--format", "json").stdout
        let techniciansBefore = try await cli.run("technicians", "list", "--format", "json").stdout

        // A copy of a good file with one bad order appended and one new technician.
        var text = try String(contentsOfFile: DispatchRunner.scenario("qualification"), encoding: .utf8)
        text = text.replacingOccurrences(
            of: "expect:",
            with: """
                  - id: WO-Q9
                    type: install
                    service: broadband
                    customer: {id: C-Q9, tier: basic}
                    location: {lat: 31.2, lon: 121.4}
                    duration_minutes: 60
                    window: {start: 2026-11-23T11:00:00+08:00, end: 2026-11-23T10:00:00+08:00}
                expect:
                """)
        text = text.replacingOccurrences(
            of: "  - id: T-NOCERT",
            with:
                "  - id: T-NEW\n    skills: [phone]\n    shift: {start: \"08:00\", end: \"12:00\"}\n    start: {lat: 31.2, lon: "
                + "121.4}\n  - id: T-NOCERT"
        )
        let path = try cli.write("bad-day.yaml", text)
        let result = try await cli.run("import", path)
        #expect(result.status == 2)
        let line = try #require(text.components(separatedBy: "\n").firstIndex { $0.contains("end: 2026-11-23T10:00:00+08:00") }) + 1
        #expect(result.stderr.contains("\(path):\(line):"), "\(result.stderr)")
        #expect(result.stderr.contains("orders[3].window.end: the window ends before it starts"))
        #expect(result.stderr.contains("nothing was stored"))
        #expect(try await cli.run("orders", "list", "--date", "2026-11-23", "--format", "json").stdout == before)
        #expect(try await cli.run("technicians", "list", "--format", "json").stdout == techniciansBefore)
    }

    @Test("validate reports every problem and exits 2; a good file exits 0")
    func validate() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let good = try await cli.run("validate", DispatchRunner.scenario("outsourced-crew"))
        #expect(good.status == 0)
        #expect(good.stdout.contains("5 orders, 3 technicians, 2 crews"))
        // Valid, but a technician of a lapsed contract can never be planned: a warning, still exit 0.
        #expect(
            good.stdout.contains("warning: technician T-OLD-1 can take no order on 2026-11-23: contract of crew expired ended"),
            "\(good.stdout)")
        #expect(
            good.stdout.contains(
                "warning: technician T-HOUSE can take no order on 2026-11-23: no order of the day in their territories (south)"))
        #expect(!good.stdout.contains("T-ACME-1 can take no order"))
        let path = try cli.write("bad.yaml", "name: x\ndate: 2026-13-01\ncolour: red\ntechnicians: []\n")
        let bad = try await cli.run("validate", path)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("\(path):2:7: date:"))
        #expect(bad.stderr.contains("\(path):3:1: colour: unknown key"))
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("dispatch.sqlite").path))
    }

    @Test("--database beats DISPATCH_DATABASE, which beats ./dispatch.sqlite")
    func databasePrecedence() async throws {
        var cli = try DispatchRunner()
        defer { cli.remove() }
        cli.environment["DISPATCH_DATABASE"] = "sqlite:from-env.sqlite"
        #expect(try await cli.run("db", "migrate").stdout.hasPrefix("sqlite:from-env.sqlite:"))
        #expect(try await cli.run("db", "migrate", "--database", "sqlite:from-flag.sqlite").stdout.hasPrefix("sqlite:from-flag.sqlite:"))
        let files = try FileManager.default.contentsOfDirectory(atPath: cli.directory.path).sorted()
        #expect(files == ["from-env.sqlite", "from-flag.sqlite"])
    }

    @Test("A password in the database URL is never printed, even when connecting fails")
    func passwordsStayHidden() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        for url in [
            "postgresql://dispatch:hunter2@127.0.0.1:1/prod", "host=127.0.0.1 port=1 password=hunter2 dbname=prod",
            "mysql://root:hunter2@127.0.0.1/prod",
        ] {
            let result = try await cli.run("db", "migrate", "--database", url)
            #expect(result.status != 0)
            #expect(!result.stdout.contains("hunter2") && !result.stderr.contains("hunter2"), "\(result.stderr)")
            #expect(!result.stderr.isEmpty)
        }
    }

    @Test("Commands on an unmigrated database say how to migrate and exit 1")
    func unmigrated() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let result = try await cli.run("technicians", "list")
        #expect(result.status == 1)
        #expect(result.stderr.contains("run 'dispatch db migrate' first"))
        #expect(try await cli.run("db", "status").status == 1)
        // A mistyped path names the file and creates nothing.
        let typo = try await cli.run("orders", "list", "--date", "2026-11-23", "--database", "sqlite:dispach.sqlite")
        #expect(typo.status == 1 && typo.stderr.contains("no SQLite database at 'dispach.sqlite'"), "\(typo.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("dispach.sqlite").path))
    }

    @Test("A bad --date is bad input (exit 2)")
    func badDate() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let result = try await cli.run("orders", "list", "--date", "23/11/2026")
        #expect(result.status == 2)
        #expect(result.stderr.contains("--date '23/11/2026' is not a date"))
    }

    @Test("Help teaches the commands and the database choice")
    func help() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let top = try await cli.run("--help")
        #expect(top.status == 0)
        for command in ["db", "validate", "import", "orders", "technicians", "plan", "check", "bench"] {
            #expect(top.stdout.contains(command))
        }
        // Paragraphs are wrapped to the terminal's width: compare with the line breaks taken out.
        let importHelp = try await cli.run("import", "--help").stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(importHelp.contains("DISPATCH_DATABASE"))
        #expect(importHelp.contains("Everything is written in one transaction."))
    }

    @Test("travel show gives the planner's minutes, one way and the other, by time of day; an unknown place exits 2")
    func travelShow() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let matrix = DispatchRunner.scenario("road-matrix")
        let there = try await cli.run("travel", "show", "WO-R2", "WO-R3", "--scenario", matrix)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stdout.hasPrefix("WO-R2 → WO-R3: 12 min (720 s), 3.1 km — matrix road-matrix.csv"))
        #expect(try await cli.run("travel", "show", "WO-R3", "WO-R2", "--scenario", matrix).stdout.contains("21 min (1260 s)"))
        let unknown = try await cli.run("travel", "show", "WO-R3", "WO-R9", "--scenario", matrix)
        #expect(unknown.status == 2 && unknown.stderr.contains("'WO-R9' is no order or technician"))
        // Imported (the file is streamed: the matrix names orders read after the header), the day keeps it.
        let store = "sqlite:" + cli.directory.appendingPathComponent("roads.sqlite").path
        #expect(try await cli.run("db", "migrate", "--database", store).status == 0)
        #expect(try await cli.run("import", matrix, "--database", store).stdout.contains("3 orders, 12 road legs"))
        #expect(
            try await cli.run("travel", "show", "WO-R3", "WO-R2", "--date", "2026-11-23", "--database", store).stdout
                .hasPrefix("WO-R3 → WO-R2: 21 min (1260 s), 5.2 km — matrix road-matrix.csv"))
        // A stored day with a morning rush: the same leg takes longer leaving inside it.
        let rush = try cli.write(
            "rush.yaml",
            String(contentsOfFile: DispatchRunner.scenario("coordinated-visit"), encoding: .utf8)
                .replacingOccurrences(
                    of: "now: 2026-11-22T21:00:00+08:00",
                    with: "now: 2026-11-22T21:00:00+08:00\ntravel:\n  day_parts:\n    - {start: \"07:00\", end: \"09:30\", factor: 2}"))
        #expect(try await cli.run("db", "migrate").status == 0)
        #expect(try await cli.run("import", rush).status == 0)
        let stored = try await cli.run("travel", "show", "T02", "WO-1003", "--date", "2026-11-23", "--at", "08:00")
        #expect(stored.status == 0, "\(stored.stderr)")
        let base = try #require(Int(stored.stdout.split(separator: ":")[1].split(separator: " ")[0]))
        #expect(stored.stdout.contains("leaving 08:00: \(2 * base) min (day part 07:00–09:30 × 2.0)"), "\(stored.stdout)")
    }

    @Test(
        "travel build: the routing engine asked once and kept; show names it; export writes a matrix file; an engine away explained"
    )
    func travelBuild() async throws {
        let server = try await RoutingServer()
        defer { server.stop() }
        let cli = try DispatchRunner()
        defer { cli.remove() }
        func day(_ url: String) async throws -> String {
            try cli.write(
                "osrm-\(url.count).yaml",
                String(contentsOfFile: DispatchRunner.scenario("coordinated-visit"), encoding: .utf8)
                    .replacingOccurrences(
                        of: "now: 2026-11-22T21:00:00+08:00", with: "now: 2026-11-22T21:00:00+08:00\ntravel: {model: osrm, url: \"\(url)\"}"
                    ))
        }
        #expect(try await cli.run("db", "migrate").status == 0)
        // Off the cooperative pool: the in-process routing server must answer while the child waits.
        let imported = try await cli.run(["import", try day(server.url)])
        #expect(
            imported.status == 0 && imported.stdout.contains("Travel built from osrm \(server.url) driving"),
            "\(imported.stdout) \(imported.stderr)")
        let again = try await cli.run(["travel", "build", "--date", "2026-11-23"])
        #expect(again.status == 0 && again.stdout.contains("0 pairs asked in 0 requests"), "\(again.stdout) \(again.stderr)")
        let shown = try await cli.run("travel", "show", "T02", "WO-1003", "--date", "2026-11-23")
        #expect(shown.stdout.contains("— osrm \(server.url) driving"), "\(shown.stdout)")
        let exported = try await cli.run("travel", "export", "--date", "2026-11-23")
        let lines = exported.stdout.split(separator: "\n")
        #expect(lines.first == "from,to,seconds,meters" && lines.count > 20)
        #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 4 })

        // An engine that does not answer: the import stands with a warning; the build fails, storing nothing.
        let away = try await cli.run("import", try day("http://127.0.0.1:9"))
        #expect(away.status == 0 && away.stderr.contains("warning: the travel of 2026-11-23 was not built"), "\(away.stderr)")
        let failed = try await cli.run("travel", "build", "--date", "2026-11-23")
        #expect(
            failed.status == 1 && failed.stderr.contains("cannot reach OSRM") && failed.stderr.contains("nothing was stored"),
            "\(failed.stderr)")
        #expect(try await cli.run("travel", "show", "T02", "WO-1003", "--date", "2026-11-23").stdout.contains("straight line"))
    }

    @Test("generate --osm puts every order and home on the extract's roads, in the zone asked for, tomorrow unless --date says")
    func generateOnRoads() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let osm = DispatchRunner.packageRoot.appendingPathComponent("scenarios/osm/helsinki.osm.pbf").path
        let generated = try await cli.run("generate", "--orders", "40", "--technicians", "5", "--osm", osm, "--timezone", "Europe/Helsinki")
        #expect(generated.status == 0, "\(generated.stderr)")
        let day = try #require(try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any])
        #expect(day["timezone"] as? String == "Europe/Helsinki")
        let places =
            ((day["orders"] as? [[String: Any]]) ?? []).compactMap { $0["location"] as? [String: Any] }
            + ((day["technicians"] as? [[String: Any]]) ?? []).compactMap { $0["start"] as? [String: Any] }
        #expect(places.count == 45)
        // The extract's road junctions lie within 60.164–60.179 N, 24.935–24.953 E (roads import reports it).
        #expect(
            places.allSatisfy { place in
                let lat = place["lat"] as? Double ?? 0
                let lon = place["lon"] as? Double ?? 0
                return (60.16...60.18).contains(lat) && (24.93...24.96).contains(lon)
            })
        // Tomorrow in the zone asked for, unless --date says otherwise; dates around it move with it.
        var helsinki = Calendar(identifier: .gregorian)
        helsinki.timeZone = TimeZone(identifier: "Europe/Helsinki")!
        let tomorrows = [Date(), Date().addingTimeInterval(120)].map { now in
            let day = helsinki.dateComponents([.year, .month, .day], from: helsinki.date(byAdding: .day, value: 1, to: now)!)
            return String(format: "%04d-%02d-%02d", day.year!, day.month!, day.day!)
        }
        #expect(tomorrows.contains(day["date"] as? String ?? ""), "\(day["date"] ?? "no date")")
        let dated = try await cli.run("generate", "--orders", "20", "--technicians", "3", "--date", "2027-03-01")
        let later = try #require(try JSONSerialization.jsonObject(with: Data(dated.stdout.utf8)) as? [String: Any])
        #expect(later["date"] as? String == "2027-03-01")
        #expect((later["now"] as? String ?? "").hasPrefix("2027-02-28T20:00"))
        let lapsed = ((later["crews"] as? [[String: Any]]) ?? []).first { $0["id"] as? String == "lapsed" }?["contract"] as? [String: Any]
        #expect(lapsed?["valid_to"] as? String == "2027-02-06")
        #expect(try await cli.run("generate", "--date", "2027-02-30").status == 2)
        let missing = try await cli.run("generate", "--osm", "nowhere.osm.pbf")
        #expect(missing.status == 2 && missing.stderr.contains("cannot read nowhere.osm.pbf"), "\(missing.stderr)")
    }

    @Test("The manual documents every command dispatch --help lists")
    func manualCoversEveryCommand() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let help = try await cli.run("--help").stdout
        let section = help.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        // Command lines are indented by two spaces; wrapped abstracts by many more.
        let commands = section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }.filter { $0 != "See" }
        #expect(commands.count >= 29, "read \(commands) from the help")
        let manual = try String(contentsOf: DispatchRunner.packageRoot.appendingPathComponent("docs/commands.md"), encoding: .utf8)
        for command in commands {
            #expect(manual.contains("\n### \(command)\n"), "docs/commands.md has no section for \(command)")
            #expect(manual.contains("dispatch \(command)"), "docs/commands.md has no example of \(command)")
        }
    }
}

@Suite("dispatch command line on PostgreSQL")
struct DispatchPostgresCommandTests {
    @Test("Import and list through a libpq connection string, twice without change", .postgresql)
    func importOnPostgres() async throws {
        var cli = try DispatchRunner()
        defer { cli.remove() }
        guard let server = ProcessInfo.processInfo.environment["DISPATCH_TEST_POSTGRES"], !server.isEmpty else {
            Issue.record("DISPATCH_TEST_POSTGRES is not set: run the suite with scripts/test")
            return
        }
        let schema = "cli_\(UUID().uuidString.prefix(8).lowercased())"
        #expect(try psql(server, "CREATE SCHEMA \(schema)") == 0)
        defer { _ = try? psql(server, "DROP SCHEMA \(schema) CASCADE") }
        // libpq reads PGOPTIONS, so every command of this test works in the new schema.
        cli.environment["PGOPTIONS"] = "-c search_path=\(schema)"
        cli.environment["DISPATCH_DATABASE"] = server
        #expect(try await cli.run("db", "migrate").stdout.contains("applied migrations 1, 2"))
        #expect(try await cli.run("import", DispatchRunner.scenario("outsourced-crew")).status == 0)
        #expect(try await cli.run("import", DispatchRunner.scenario("outsourced-crew")).stdout.hasSuffix("nothing changed\n"))
        let table = try await cli.run("orders", "list", "--date", "2026-11-23")
        #expect(table.stdout.contains("5 orders on 2026-11-23 (Asia/Shanghai)"))
    }

    private func psql(_ conninfo: String, _ sql: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", conninfo, "-qc", sql]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

@Suite("dispatch plan and check")
struct PlanCommandTests {
    @Test("plan prints contract JSON that check accepts; a tampered plan is refused with exit 1")
    func planThenCheck() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let scenario = DispatchRunner.scenario("outsourced-crew")
        let planned = try await cli.run("plan", "--scenario", scenario, "--iterations", "50")
        #expect(planned.status == 0, "\(planned.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(planned.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys).isSuperset(of: ["scenario", "date", "visits", "routes", "unassigned", "kpis"]))
        let path = try cli.write("plan.json", planned.stdout)
        let checked = try await cli.run("check", "--scenario", scenario, "--plan", path)
        #expect(checked.status == 0, "\(checked.stdout)")

        let tampered = try cli.write("tampered.json", planned.stdout.replacingOccurrences(of: "\"crew_quota\"", with: "\"displaced\""))
        let refused = try await cli.run("check", "--scenario", scenario, "--plan", tampered)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("code WO-C"))
        #expect(try await cli.run("check", "--scenario", scenario, "--plan", "/nonexistent.json").status == 2)
    }

    @Test("The same seed and iterations print the same bytes")
    func deterministicOutput() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        let scenario = DispatchRunner.scenario("appointment-window")
        let first = try await cli.run("plan", "--scenario", scenario, "--iterations", "80", "--seed", "4").stdout
        let second = try await cli.run("plan", "--scenario", scenario, "--iterations", "80", "--seed", "4").stdout
        #expect(!first.isEmpty && first == second)
    }

    @Test("A stored day is planned, shown as a table and committed as a new version each time")
    func planStoredDay() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        try await cli.run("db", "migrate")
        try await cli.run("import", DispatchRunner.scenario("pinned-and-locked"))
        let table = try await cli.run(
            "plan", "--date", "2026-11-23", "--commit", "--format", "table", "--iterations", "30",
            "--now", "2026-11-22T20:00:00+08:00")
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("3 of 3 orders planned"))
        #expect(table.stderr.contains("stored as plan version 1 of 2026-11-23"))
        try await cli.run("plan", "--date", "2026-11-23", "--commit", "--iterations", "30", "--now", "2026-11-22T20:00:00+08:00")
        let versions = try await cli.run("plans", "list", "--date", "2026-11-23")
        #expect(versions.stdout.contains("1  ") && versions.stdout.contains("2  "))
        // Local times of the day's zone, who published each version and why.
        #expect(versions.stdout.contains("2026-11-22 20:00") && versions.stdout.contains("planner  "), "\(versions.stdout)")
        let missing = try await cli.run("plan", "--date", "2026-12-01")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("import a scenario for it first"))
    }

    @Test("Conflicting or missing options are bad input (exit 2)")
    func usageErrors() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        #expect(try await cli.run("plan").status == 2)
        #expect(try await cli.run("plan", "--scenario", "x.yaml", "--commit").status == 2)
        #expect(try await cli.run("plan", "--scenario", "x.yaml", "--seconds", "-1").status == 2)
    }

    @Test("bench solomon and bench sync print routes as JSON; a malformed file exits 2 naming file and line")
    func benchCommands() async throws {
        let cli = try DispatchRunner()
        defer { cli.remove() }
        // Two customers 5 units from the depot on either side; both fit one vehicle (5 + 5 = 10).
        let solomon = try cli.write(
            "tiny.txt",
            """
            TINY
            VEHICLE
            NUMBER     CAPACITY
              2         10
            CUSTOMER
              0   0   0   0   0   100   0
              1   3   4   5   0   100   1
              2  -3  -4   5   0   100   1

            """)
        let solved = try await cli.run("bench", "solomon", solomon, "--iterations", "20")
        #expect(solved.status == 0, "\(solved.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(solved.stdout.utf8)) as? [String: Any])
        #expect(answer["instance"] as? String == "TINY")
        #expect(answer["vehicles"] as? Int == 1)
        #expect(answer["distance"] as? Double == 20)
        let routes = try #require(answer["routes"] as? [[Int]])
        #expect(routes == [[1, 2]] || routes == [[2, 1]])

        let broken = try cli.write(
            "broken.txt",
            try String(contentsOfFile: solomon, encoding: .utf8)
                .replacingOccurrences(of: "-3  -4   5", with: "-3  -4"))
        let refused = try await cli.run("bench", "solomon", broken)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("broken.txt:8: expected 7 numbers"))

        // Visits 1 and 2 are a synchronised pair at one place; visit 3 is elsewhere.
        let sync = try cli.write(
            "Bred_tiny.txt",
            """
            2 // nb vehicules\r
            3 // nb visites\r
            0 // capacite\r
            2 10\r
            1 10\r
            3 5\r
            0 100\r
            10 20\r
            10 20\r
            0 100\r
            1 0\r
            2 0\r
            3 0\r
            0 0 4\r
            0 0 4\r
            4 4 0\r
            1 5\r
            2 5\r
            3 3\r
            1\r
            1 2\r

            """)
        let synced = try await cli.run("bench", "sync", sync, "--iterations", "20")
        #expect(synced.status == 0, "\(synced.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(synced.stdout.utf8)) as? [String: Any])
        let syncRoutes = try #require(plan["routes"] as? [[Int]])
        let starts = try #require(plan["starts"] as? [[Int]])
        #expect(syncRoutes.count == 2)
        let startOf = Dictionary(uniqueKeysWithValues: zip(syncRoutes.flatMap { $0 }, starts.flatMap { $0 }))
        #expect(startOf[1] != nil && startOf[1] == startOf[2])
        #expect(syncRoutes.first { $0.contains(1) } != syncRoutes.first { $0.contains(2) })
        #expect(plan["unassigned"] as? [Int] == [])
    }
}

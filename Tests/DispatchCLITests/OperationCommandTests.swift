import DispatchStore
import DispatchTestSupport
import Foundation
import Testing

/// The operation commands as a dispatcher runs them: bad input is refused with exit 2, one line
/// naming what is wrong, and the database is left exactly as it was.
@Suite("Operation commands", .serialized)
struct OperationCommandTests {
    static let tables = [
        "service_days", "orders", "order_events", "notices", "plans", "plan_visits", "plan_unassigned",
        "technician_absences", "callbacks", "complaints",
    ]

    /// Every row of every operational table, as text.
    func snapshot(_ database: TestDatabase) throws -> String {
        try Self.tables.map { table in
            let rows = try database.connection.query("SELECT * FROM \(table) ORDER BY 1, 2", [])
            return "\(table): " + rows.map { "\($0.values)" }.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    @Test("Bad input exits 2 with one line and changes nothing", arguments: Backend.all)
    func badInputChangesNothing(_ backend: Backend) async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try await TestDatabase.with(backend) { database in
            let db = "--database=\(database.url)"
            try await #require(try runner.publishSample(db))
            let before = try snapshot(database)
            let now = "--now=2026-11-22T21:30:00+08:00"
            let cases: [([String], String)] = [
                (["status", "WO-404", "--set", "en_route", now], "no order 'WO-404'"),
                (
                    ["status", "WO-1001", "--set", "completed", "--now=2026-11-23T08:00:00+08:00"],
                    "order WO-1001 is scheduled and cannot become completed"
                ),
                (["status", "WO-1001", "--set", "en_route", now], "en_route is reported on the visit's day, not before"),
                (["status", "WO-1001", "--set", "notified", now], "notified is set when the pre-arrival notice is delivered"),
                (["book", "WO-1003", "--window", "2026-11-23T20:00:00+08:00", now], "no technician can keep"),
                (["book", "WO-1001", "--window", "2026-11-23T09:00:00", now], "--window '2026-11-23T09:00:00' is not an RFC 3339"),
                (["slots", "--order", "WO-1001", "--now", "2026-11-22T21:30:00"], "--now '2026-11-22T21:30:00' is not an RFC 3339"),
                (["slots", "--order", "WO-404", now], "no order 'WO-404'"),
                (["technicians", "absent", "T99", "--date", "2026-11-23", now], "no technician 'T99'"),
                (["delay", "WO-1003", "--minutes", "20", now], "order WO-1003 is new"),
                (["callbacks", "record", "7", "--answer", "satisfied", now], "no callback 7"),
            ]
            for (arguments, expected) in cases {
                let result = try await runner.run(arguments + [db])
                #expect(result.status == 2, "\(arguments): \(result.stdout) \(result.stderr)")
                let lines = result.stderr.split(separator: "\n")
                #expect(lines.count == 1, "\(arguments) printed \(result.stderr)")
                #expect(result.stderr.contains(expected), "\(arguments) said \(result.stderr)")
                #expect(try snapshot(database) == before, "\(arguments) changed the database")
            }
        }
    }

    @Test("The workflow through the binary: slots, book, notices to a file, status, history")
    func workflowThroughTheBinary() async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try await #require(runner.run("db", "migrate").status == 0)
        try await #require(runner.run("import", DispatchRunner.scenario("coordinated-visit")).status == 0)
        let now = "--now=2026-11-22T21:00:00+08:00"
        let slots = try await runner.run("slots", "--order", "WO-1001", "--days", "2", "--format", "json", now)
        #expect(slots.status == 0, "\(slots.stderr)")
        let offered = try #require(try JSONSerialization.jsonObject(with: Data(slots.stdout.utf8)) as? [[String: Any]])
        let first = try #require(offered.first { ($0["date"] as? String) == "2026-11-23" }?["start"] as? String)
        let booked = try await runner.run("book", "WO-1001", "--window", first, "--actor", "anna", now)
        #expect(booked.status == 0, "\(booked.stderr)")
        #expect(booked.stdout.contains("Booked WO-1001 + WO-1002"))
        // The confirmation is due now: delivered to a file, once, however often the sender runs.
        for _ in 0..<2 {
            let sent = try await runner.run("notices", "send", "--sink", "file:notices.jsonl", now)
            #expect(sent.status == 0, "\(sent.stderr)")
        }
        let lines = try String(contentsOf: runner.directory.appendingPathComponent("notices.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 1)
        let notice = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        for key in ["idempotency_key", "kind", "order", "customer", "technician", "planned_start", "due_at", "text"] {
            #expect(notice[key] != nil, "notice lacks \(key)")
        }
        #expect(notice["kind"] as? String == "confirmation")
        let status = try await runner.run(
            "status", "WO-1001", "--set", "rebooking", "--reason", "customer asked to move",
            "--side", "customer", "--actor", "anna", "--now=2026-11-22T22:00:00+08:00")
        #expect(status.status == 0, "\(status.stderr)")
        let history = try await runner.run("orders", "history", "WO-1001")
        #expect(history.stdout.contains("new → scheduled") && history.stdout.contains("confirmed → rebooking"))
        // Booked after 18:00 the evening before: the booking confirmation is the second confirmation.
        #expect(history.stdout.contains("scheduled → confirmed"))
        #expect(history.stdout.contains("customer asked to move (customer side)") && history.stdout.contains("anna"))
        let explained = try await runner.run("explain", "WO-1003", "--now=2026-11-22T22:00:00+08:00")
        #expect(explained.status == 0 && explained.stdout.contains("nobody may take WO-1004 of the same visit"), "\(explained.stdout)")
        // It starts with what keeps each technician out, counted.
        #expect(explained.stdout.contains("Of 3 technicians: 3 kept out by another order of the visit"), "\(explained.stdout)")
        #expect(try await runner.run("explain", "WO-404").status == 2)
        let board = try await runner.run("board", "--date", "2026-11-23", "--format", "json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(board.stdout.utf8)) as? [String: Any])
        #expect(Set(document.keys) == ["date", "timezone", "plan_version", "technicians", "unassigned", "rebooking", "kpis"])
        #expect((document["rebooking"] as? [[String: Any]])?.map { $0["order"] as? String } == ["WO-1001", "WO-1002"])
        #expect(try await runner.run("board", "--date", "2026-11-23").stdout.contains("Waiting for a new appointment (2):"))
        let partner = try await runner.run("orders", "list", "--date", "2026-11-23", "--format", "json")
        let orders = try #require(try JSONSerialization.jsonObject(with: Data(partner.stdout.utf8)) as? [[String: Any]])
        #expect(orders.first { $0["id"] as? String == "WO-1002" }?["status"] as? String == "rebooking")
    }
}

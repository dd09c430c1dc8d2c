import DispatchTestSupport
import Foundation
import Testing

/// Issue 26 through the binary: what the dispatcher reviews is what is published (points 6, 7).
@Suite("A busy day at the desk", .serialized)
struct BusyDayCommandTests {
    /// Point 6, as a new user found it (scenarios/delay-day.yaml): `delay WO-5008 --minutes 45`
    /// left the diamond repair WO-5004 unassigned as "displaced … the day is full" while its technician
    /// had the morning free after WO-5008. The reaction now moves unannounced visits inside their
    /// windows to make room, and every order planned before is still planned.
    @Test("A delay keeps the diamond repair the day has room for", arguments: Backend.all)
    func delayKeepsTheRepair(_ backend: Backend) async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try await TestDatabase.with(backend) { database in
            let db = "--database=\(database.url)"
            try await publishDelayDay(runner, db, actor: "planner")
            let sink = "file:" + runner.directory.appendingPathComponent("n.jsonl").path
            #expect(try await runner.run("notices", "send", "--now", "2026-12-08T08:20:00+02:00", "--sink", sink, db).status == 0)
            let before = try states(try await runner.run("orders", "list", "--date", "2026-12-08", "--format", "json", db).stdout)
            let delayed = try await runner.run("delay", "WO-5008", "--minutes", "45", "--now", "2026-12-08T08:20:00+02:00", db)
            #expect(delayed.status == 0, "\(delayed.stderr)")
            let after = try states(try await runner.run("orders", "list", "--date", "2026-12-08", "--format", "json", db).stdout)
            #expect(before["WO-5004"] == "scheduled")
            #expect(after["WO-5004"] == "scheduled")
            let planned = before.filter { $0.value == "scheduled" }.keys
            #expect(planned.count >= 6)
            for id in planned { #expect(after[id] == "scheduled", "\(id)") }
            // Served late against its deadline, as the planner allows for repairs; the plan is valid.
            let checked = try await runner.run("check", "--date", "2026-12-08", db)
            #expect(checked.status == 0, "\(checked.stdout)")
        }
    }

    /// Point 7: `plan --out` writes the proposal the dispatcher reviews; `plans publish` publishes
    /// it, rebased onto what changed meanwhile (here a technician on the way); `plans list` shows
    /// each version's figures and who published it; `plans diff` what changed.
    @Test("plan --out, plans publish, plans diff and plans list", arguments: Backend.all)
    func reviewThenPublish(_ backend: Backend) async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try await TestDatabase.with(backend) { database in
            let db = "--database=\(database.url)"
            try await publishDelayDay(runner, db, actor: "ana")
            let proposal = runner.directory.appendingPathComponent("proposal.json").path
            let planned = try await runner.run(
                "plan", "--date", "2026-12-08", "--out", proposal, "--iterations", "300", "--now", "2026-12-08T06:00:00+02:00", db)
            #expect(planned.status == 0)
            #expect(planned.stdout.isEmpty)
            let text = try String(contentsOfFile: proposal, encoding: .utf8)
            #expect(text.contains("\"basis\""))
            // Meanwhile the day moves: notices go out, a technician sets off.
            let sink = "file:" + runner.directory.appendingPathComponent("n.jsonl").path
            #expect(try await runner.run("notices", "send", "--now", "2026-12-08T07:50:00+02:00", "--sink", sink, db).status == 0)
            #expect(try await runner.run("status", "WO-5002", "--set", "en_route", "--now", "2026-12-08T07:55:00+02:00", db).status == 0)
            let published = try await runner.run("plans", "publish", proposal, "--actor", "bo", "--now", "2026-12-08T07:56:00+02:00", db)
            #expect(published.status == 0, "\(published.stderr)")
            #expect(published.stderr.contains(" ms: the day changed while the plan was computed"), "\(published.stderr)")
            #expect(published.stderr.contains("stored as plan version 2"))
            let list = try await runner.run("plans", "list", "--date", "2026-12-08", db)
            #expect(list.stdout.contains("ana") && list.stdout.contains("bo"))
            #expect(list.stdout.contains("EUR"))
            let diff = try await runner.run("plans", "diff", "--date", "2026-12-08", "1", "2", db)
            #expect(diff.status == 0)
            #expect(diff.stdout.contains("unchanged"))
            let unknown = try await runner.run("plans", "diff", "--date", "2026-12-08", "1", "9", db)
            #expect(unknown.status != 0 && unknown.stderr.contains("no plan version 9 of 2026-12-08 (stored: 1, 2)"))
            // The technician on the way stays where they were told.
            let history = try await runner.run("orders", "history", "WO-5002", db)
            #expect(!history.stdout.contains("rebooking"))
            #expect(try await runner.run("check", "--date", "2026-12-08", db).status == 0)
        }
    }

    /// scenarios/delay-day.yaml migrated, imported, planned and published the evening before by `actor`.
    func publishDelayDay(_ runner: DispatchRunner, _ db: String, actor: String) async throws {
        try #require(try await runner.run("db", "migrate", db).status == 0)
        try #require(try await runner.run("import", DispatchRunner.scenario("delay-day"), db).status == 0)
        let planned = try await runner.run(
            "plan", "--date", "2026-12-08", "--commit", "--actor", actor, "--now", "2026-12-07T20:00:00+02:00", db)
        try #require(planned.status == 0, "\(planned.stderr)")
    }

    /// Each order's state in `orders list --format json`.
    func states(_ json: String) throws -> [String: String] {
        struct Line: Decodable {
            let id: String
            let status: String
        }
        return Dictionary(
            try JSONDecoder().decode([Line].self, from: Data(json.utf8)).map { ($0.id, $0.status) }, uniquingKeysWith: { a, _ in a })
    }
}

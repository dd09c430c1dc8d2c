import Foundation
import SchedulingCore

/// The record of nightly runs.
extension StoreTransaction {
    public func startRun(firstDay: LocalDate, days: Int, dryRun: Bool, at: Instant) throws -> Int {
        let rows = try connection.query(
            "INSERT INTO nightly_runs (started_at, first_day, days, dry_run, outcome) VALUES (\(dialect.instantParameter), ?, ?, ?, "
                + "'running') RETURNING id",
            [.instant(at), .text(firstDay.description), .integer(days), .integer(dryRun ? 1 : 0)])
        guard let id = try rows.first?.int("id") else { throw StoreError(.database, "the new run row has no id") }
        return id
    }

    /// Marks runs still recorded as running as interrupted: called by the holder of the run lock,
    /// so their processes died (a SIGKILL, a crash) before they could finish.
    @discardableResult
    public func closeAbandonedRuns(at: Instant) throws -> Int {
        try connection.execute(
            "UPDATE nightly_runs SET outcome = 'interrupted', finished_at = \(dialect.instantParameter), message = 'the process died "
                + "before it finished' WHERE outcome = 'running'",
            [.instant(at)])
    }

    public func finishRun(_ id: Int, outcome: NightlyOutcome, message: String?, at: Instant) throws {
        try connection.execute(
            "UPDATE nightly_runs SET finished_at = \(dialect.instantParameter), outcome = ?, message = ? WHERE id = ?",
            [.instant(at), .text(outcome.rawValue), .optional(message), .integer(id)])
    }

    /// Records what a run did to a day; `revision`: the day's revision as the run left it, when
    /// the run searched the day as it was (`searchedRevision`).
    public func recordRunDay(_ run: Int, _ diff: NightlyDayDiff, revision: Int? = nil) throws {
        let lists: [String: [String]] = [
            "kept": diff.kept, "moved": diff.moved, "reassigned": diff.reassigned, "newly_planned": diff.newlyPlanned,
            "to_rebooking": diff.toRebooking, "unassigned": diff.unassigned,
        ]
        var document = lists.mapValues { JSONValue.array($0.map(\.json)) }
        if let revision { document["searched_revision"] = revision.json }
        let json = JSONValue.object(document).text(escapingSlashes: true)
        try connection.execute(
            """
            INSERT INTO nightly_run_days (run_id, day, version, kept, moved, reassigned, newly_planned, to_rebooking, unplaced, diff)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(run), .text(diff.day.description), .optional(diff.version), .integer(diff.kept.count), .integer(diff.moved.count),
                .integer(diff.reassigned.count), .integer(diff.newlyPlanned.count), .integer(diff.toRebooking.count),
                .integer(diff.unassigned.count), .text(json),
            ])
    }

    /// The revision of `day` the latest nightly run that searched it left it at (nil: none did, or
    /// its search was rebased onto changes made meanwhile): while the day's revision is still
    /// that, nothing changed that a search would see.
    public func searchedRevision(of day: LocalDate) throws -> Int? {
        try latestRunDay(day)?.diff["searched_revision"]?.int
    }

    /// The latest record of `day` by a nightly run that was not a dry run: its run and its diff document.
    private func latestRunDay(_ day: LocalDate) throws -> (run: Int, diff: [String: JSONValue])? {
        let rows = try connection.query(
            "SELECT d.run_id, d.diff FROM nightly_run_days d JOIN nightly_runs r ON r.id = d.run_id WHERE d.day = ? AND NOT r.dry_run "
                + "ORDER BY d.run_id DESC LIMIT 1",
            [.text(day.description)])
        guard let row = rows.first, let diff = (try? JSONValue(parsing: Data(try row.text("diff").utf8)))?.object else { return nil }
        return (try row.int("run_id"), diff)
    }

    /// After a change that leaves what a search of `day` would find as it was (work it could not
    /// fit carried on to the next day), the latest searched revision `old` becomes `new`.
    public func carrySearchedRevision(of day: LocalDate, from old: Int, to new: Int) throws {
        guard let (run, diff) = try latestRunDay(day), diff["searched_revision"]?.int == old else { return }
        var document = diff
        document["searched_revision"] = new.json
        try connection.execute(
            "UPDATE nightly_run_days SET diff = ? WHERE run_id = ? AND day = ?",
            [.text(JSONValue.object(document).text(escapingSlashes: true)), .integer(run), .text(day.description)])
    }

    /// The latest runs, newest first, with their per-day diffs.
    public func nightlyRuns(limit: Int) throws -> [NightlyRun] {
        let sql = """
            SELECT id, \(dialect.instantColumn("started_at")), \(dialect.instantColumn("finished_at")), \(dialect.dateColumn("first_day")),
                   days, dry_run, outcome, message
            FROM nightly_runs ORDER BY id DESC LIMIT \(max(1, limit))
            """
        return try connection.query(sql, []).map { row in
            let id = try row.int("id")
            return NightlyRun(
                id: id, startedAt: Instant(secondsSinceEpoch: try row.int("started_at")),
                finishedAt: try row.optionalInt("finished_at").map(Instant.init(secondsSinceEpoch:)),
                firstDay: try reader.date(row.text("first_day")),
                days: try row.int("days"), dryRun: try row.bool("dry_run"),
                outcome: try reader.choice(row.text("outcome"), NightlyOutcome.self, "nightly_runs.outcome of run \(id)"),
                message: try row.optionalText("message"),
                diffs: try runDays(id))
        }
    }

    private func runDays(_ run: Int) throws -> [NightlyDayDiff] {
        let rows = try connection.query(
            "SELECT \(dialect.dateColumn("day")), version, diff FROM nightly_run_days WHERE run_id = ? ORDER BY day", [.integer(run)])
        return try rows.map { row in
            var diff = NightlyDayDiff(day: try reader.date(row.text("day")))
            diff.version = try row.optionalInt("version")
            // Lists of order ids, and the revision the run left the day at (`searched_revision`).
            let document = (try? JSONValue(parsing: Data(try row.text("diff").utf8)))?.object ?? [:]
            let object = document.compactMapValues { value in value.array?.compactMap(\.string) }
            diff.kept = object["kept"] ?? []
            diff.moved = object["moved"] ?? []
            diff.reassigned = object["reassigned"] ?? []
            diff.newlyPlanned = object["newly_planned"] ?? []
            diff.toRebooking = object["to_rebooking"] ?? []
            // Runs recorded before 2026-12-06 name them "unplaced".
            diff.unassigned = object["unassigned"] ?? object["unplaced"] ?? []
            return diff
        }
    }
}

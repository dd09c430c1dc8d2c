import SchedulingCore

/// One unit of a nightly run's day: a group of territories planned on its own by a worker.
public struct NightlyUnit: Hashable, Sendable {
    public var run: Int
    public var day: LocalDate
    public var unit: Int
    /// What to plan, as JSON (territories, technicians, carried orders, now, seconds, seed).
    public var spec: String
    public var state: String
    public var worker: String?
    public var attempts: Int
    /// The unit's plan and unassigned orders, as JSON, once done.
    public var result: String?
    /// The holder's lease has run out (on the database clock): the holder is presumed dead.
    public var leaseExpired = false
}

/// The queue of units that workers in several processes (or on several machines) claim.
extension StoreTransaction {
    /// Queues the units of one day of a run, unit 0 first (claimed first).
    /// Units queued before for the same day of the run (a day planned again after a conflict) are replaced.
    public func queueUnits(run: Int, day: LocalDate, specs: [String]) throws {
        try connection.execute("DELETE FROM nightly_units WHERE run_id = ? AND day = ?", [.integer(run), .text(day.description)])
        for (index, spec) in specs.enumerated() {
            try connection.execute(
                "INSERT INTO nightly_units (run_id, day, unit, spec, state) VALUES (?, ?, ?, ?, 'queued')",
                [.integer(run), .text(day.description), .integer(index), .text(spec)])
        }
    }

    /// Claims the first unit of a running run that is queued, or whose holder's lease ran out,
    /// for `worker` for `leaseSeconds`; nil when there is none. On PostgreSQL the row is taken
    /// with `FOR UPDATE SKIP LOCKED`, so workers claiming at once get different units.
    /// A unit claimed `maxAttempts` times already is left alone (its run fails it).
    public func claimUnit(worker: String, leaseSeconds: Int, maxAttempts: Int = 3) throws -> NightlyUnit? {
        let sql = """
            SELECT u.run_id, \(dialect.dateColumn("u.day")), u.unit FROM nightly_units u JOIN nightly_runs r ON r.id = u.run_id
            WHERE r.outcome = 'running'
              AND (u.state = 'queued'
                   OR (u.state = 'running' AND u.lease_until < \(dialect.currentInstant) AND u.attempts < \(max(1, maxAttempts))))
            ORDER BY u.run_id, u.day, u.unit LIMIT 1\(dialect.claimRows)
            """
        guard let row = try connection.query(sql, []).first else { return nil }
        let (run, day, unit) = (try row.int("run_id"), try row.text("day"), try row.int("unit"))
        try connection.execute(
            "UPDATE nightly_units SET state = 'running', worker = ?, lease_until = \(dialect.instantAfterSeconds), attempts = "
                + "attempts + 1 WHERE run_id = ? AND day = ? AND unit = ?",
            [.text(worker), .integer(leaseSeconds), .integer(run), .text(day), .integer(unit)])
        return try units(run: run, day: try reader.date(day)).first { $0.unit == unit }
    }

    /// Extends `worker`'s lease on a unit; false when the unit is no longer theirs.
    public func renewLease(_ unit: NightlyUnit, worker: String, leaseSeconds: Int) throws -> Bool {
        try connection.execute(
            "UPDATE nightly_units SET lease_until = \(dialect.instantAfterSeconds) WHERE run_id = ? AND day = ? AND unit = ? AND "
                + "worker = ? AND state = 'running'",
            [.integer(leaseSeconds), .integer(unit.run), .text(unit.day.description), .integer(unit.unit), .text(worker)]) > 0
    }

    /// Stores a unit's result; false (nothing stored) when the unit is no longer `worker`'s:
    /// its lease ran out and another worker took it over.
    public func completeUnit(_ unit: NightlyUnit, worker: String, result: String) throws -> Bool {
        try connection.execute(
            "UPDATE nightly_units SET state = 'done', result = ?, lease_until = NULL WHERE run_id = ? AND day = ? AND unit = ? AND "
                + "worker = ? AND state = 'running'",
            [.text(result), .integer(unit.run), .text(unit.day.description), .integer(unit.unit), .text(worker)]) > 0
    }

    /// The units of one day of a run, in order.
    public func units(run: Int, day: LocalDate) throws -> [NightlyUnit] {
        let sql = """
            SELECT run_id, \(dialect.dateColumn("day")), unit, spec, state, worker, attempts, result,
                   CASE WHEN lease_until < \(dialect.currentInstant) THEN 1 ELSE 0 END AS lease_expired
            FROM nightly_units WHERE run_id = ? AND day = ? ORDER BY unit
            """
        return try connection.query(sql, [.integer(run), .text(day.description)]).map { row in
            NightlyUnit(
                run: try row.int("run_id"), day: try reader.date(row.text("day")), unit: try row.int("unit"), spec: try row.text("spec"),
                state: try row.text("state"), worker: try row.optionalText("worker"), attempts: try row.int("attempts"),
                result: try row.optionalText("result"),
                leaseExpired: try row.int("lease_expired") == 1)
        }
    }
}

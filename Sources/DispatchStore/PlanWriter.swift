import SchedulingCore

/// Writes and reads plan versions with the shared SQL of every backend.
struct PlanWriter {
    let connection: any SQLConnection

    init(_ connection: any SQLConnection) { self.connection = connection }

    func save(_ plan: Plan, document: String, seed: UInt64, plannedFor now: Instant, createdAt: Instant) throws -> Int {
        let day = SQLValue.text(plan.date.description)
        let next = try connection.query("SELECT COALESCE(MAX(version), 0) + 1 AS next_version FROM plans WHERE day = ?", [day])
        let version = try next.first?.int("next_version") ?? 1
        let instant = connection.dialect.instantParameter
        let inserted = try connection.query(
            "INSERT INTO plans (day, version, created_at, planned_for, seed, document) VALUES (?, ?, \(instant), \(instant), ?, ?) "
                + "RETURNING id",
            [day, .integer(version), .instant(createdAt), .instant(now), .integer(Int(Int64(bitPattern: seed))), .text(document)])
        guard let id = try inserted.first?.int("id") else { throw StoreError(.database, "the new plan row has no id") }
        try insert(
            "plan_visits (plan_id, order_id, technician_id, starts_at, ends_at, is_contact)", row: "(?, ?, ?, \(instant), \(instant), ?)",
            plan.visits.map { visit in
                [
                    .integer(id), .text(visit.order), .text(visit.technician), .instant(visit.start), .instant(visit.end),
                    .integer(visit.contact ? 1 : 0),
                ]
            })
        try insert(
            "plan_unassigned (plan_id, order_id, code, reason)", row: "(?, ?, ?, ?)",
            plan.unassigned.map { item in [.integer(id), .text(item.order), .text(item.code.rawValue), .text(item.reason)] })
        return version
    }

    /// Rows inserted a few hundred a statement: a version of a 2,000-order day was 2,000 round
    /// trips to the server, written under the day's lock by every booking.
    private func insert(_ table: String, row: String, _ rows: [[SQLValue]]) throws {
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + Self.rowsPerStatement)]
            try connection.execute(
                "INSERT INTO \(table) VALUES " + Array(repeating: row, count: chunk.count).joined(separator: ", "), chunk.flatMap { $0 })
            start += chunk.count
        }
    }

    static let rowsPerStatement = 200

    func plans(on day: LocalDate) throws -> [StoredPlan] {
        let sql = """
            SELECT p.version, \(connection.dialect.instantColumn("p.created_at")), p.document, p.published_by, p.cause,
                   (SELECT COUNT(*) FROM plan_visits v WHERE v.plan_id = p.id) AS visit_count,
                   (SELECT COUNT(*) FROM plan_unassigned u WHERE u.plan_id = p.id) AS unassigned_count
            FROM plans p WHERE p.day = ? ORDER BY p.version
            """
        return try connection.query(sql, [.text(day.description)]).map { row in
            StoredPlan(
                version: try row.int("version"), createdAt: Instant(secondsSinceEpoch: try row.int("created_at")),
                document: try row.text("document"), visits: try row.int("visit_count"), unassigned: try row.int("unassigned_count"),
                publishedBy: try row.optionalText("published_by"), cause: try row.optionalText("cause"))
        }
    }
}

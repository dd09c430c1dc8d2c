import SchedulingCore

/// API tokens and the plan history the technicians' calendar feed is built from.
extension StoreTransaction {
    public func insertToken(_ token: StoredToken) throws {
        try connection.execute(
            "INSERT INTO api_tokens (id, kind, subject, secret_sha256, created_at, scopes) VALUES (?, ?, ?, ?, \(dialect.instantParameter), ?)",
            [
                .text(token.id), .text(token.kind.rawValue), .text(token.subject), .text(token.secretSHA256), .instant(token.createdAt),
                .text(ClientScope.text(token.scopes)),
            ])
    }

    public func token(_ id: String) throws -> StoredToken? {
        try tokens(where: "id = ?", [.text(id)]).first
    }

    /// The tokens of `kind`, live and revoked, by subject and then age (never a secret: only its hash).
    public func tokens(kind: TokenKind) throws -> [StoredToken] {
        try tokens(where: "kind = ?", [.text(kind.rawValue)])
    }

    private func tokens(where condition: String, _ parameters: [SQLValue]) throws -> [StoredToken] {
        let sql = """
            SELECT id, kind, subject, secret_sha256, \(dialect.instantColumn("created_at")), \(dialect.instantColumn("revoked_at")),
                   scopes
            FROM api_tokens WHERE \(condition) ORDER BY subject, created_at, id
            """
        return try connection.query(sql, parameters).map { row in
            let id = try row.text("id")
            let scopes: Set<ClientScope>
            do {
                scopes = try ClientScope.parse(try row.text("scopes"))
            } catch let error as StoreError {
                throw StoreError(.database, "api_tokens.scopes of token \(id): \(error.message)")
            }
            return StoredToken(
                id: id, kind: try reader.choice(row.text("kind"), TokenKind.self, "api_tokens.kind of token \(id)"),
                subject: try row.text("subject"), secretSHA256: try row.text("secret_sha256"),
                createdAt: Instant(secondsSinceEpoch: try row.int("created_at")),
                revokedAt: try row.optionalInt("revoked_at").map(Instant.init(secondsSinceEpoch:)), scopes: scopes)
        }
    }

    /// Revokes every live token of that kind for that subject; returns how many.
    @discardableResult
    public func revokeTokens(kind: TokenKind, subject: String, at: Instant) throws -> Int {
        try connection.execute(
            "UPDATE api_tokens SET revoked_at = \(dialect.instantParameter) WHERE kind = ? AND subject = ? AND revoked_at IS NULL",
            [.instant(at), .text(kind.rawValue), .text(subject)])
    }

    /// Revokes the live token `id`; false when there is none.
    public func revokeToken(id: String, at: Instant) throws -> Bool {
        try connection.execute(
            "UPDATE api_tokens SET revoked_at = \(dialect.instantParameter) WHERE id = ? AND revoked_at IS NULL", [.instant(at), .text(id)])
            == 1
    }

    /// Every version's visits, from `first` to `last` (days), of the orders that any version
    /// gave `technician` on those days, oldest version first.
    public func visitHistory(technician: String, from first: LocalDate, to last: LocalDate) throws -> [VersionedVisit] {
        let sql = """
            SELECT \(dialect.dateColumn("p.day")), p.version, v.order_id, v.technician_id, \(dialect.instantColumn("v.starts_at")),
                   \(dialect.instantColumn("v.ends_at")), v.is_contact, o.group_id, d.notice_minutes
            FROM plan_visits v JOIN plans p ON p.id = v.plan_id JOIN orders o ON o.id = v.order_id
            JOIN service_days d ON d.day = p.day
            WHERE p.day BETWEEN ? AND ? AND v.order_id IN (
                SELECT w.order_id FROM plan_visits w JOIN plans q ON q.id = w.plan_id
                WHERE w.technician_id = ? AND q.day BETWEEN ? AND ?)
            ORDER BY p.day, p.version, v.order_id
            """
        let days: [SQLValue] = [.text(first.description), .text(last.description)]
        return try connection.query(sql, days + [.text(technician)] + days).map { row in
            VersionedVisit(day: try reader.date(row.text("day")), version: try row.int("version"), visit: try visit(row))
        }
    }

    /// The latest published version of each day from `first` to `last`.
    public func publishedVersions(from first: LocalDate, to last: LocalDate) throws -> [LocalDate: Int] {
        let rows = try connection.query(
            "SELECT \(dialect.dateColumn("day")), MAX(version) AS version FROM plans WHERE day BETWEEN ? AND ? GROUP BY day",
            [.text(first.description), .text(last.description)])
        var versions: [LocalDate: Int] = [:]
        for row in rows { versions[try reader.date(row.text("day"))] = try row.int("version") }
        return versions
    }

    /// The time zone of the latest stored service day (where the operator works), or nil.
    public func latestZone() throws -> ServiceTimeZone? {
        guard let row = try connection.query("SELECT timezone FROM service_days ORDER BY day DESC LIMIT 1", []).first else { return nil }
        return ServiceTimeZone(identifier: try row.text("timezone"))
    }

    /// A cheap round trip, for readiness checks.
    public func ping() throws {
        _ = try connection.query("SELECT 1", [])
    }
}

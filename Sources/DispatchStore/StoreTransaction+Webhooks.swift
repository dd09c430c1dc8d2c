import SchedulingCore

/// A webhook endpoint: where a client's events are POSTed, and from which event on.
public struct WebhookEndpoint: Sendable, Equatable {
    public var id: String
    public var client: String
    public var url: String
    /// Event types (or prefixes ending in `*`) it receives; empty: every type.
    public var types: [String]
    /// `whsec_…`: the signing secret, base64 after the prefix.
    public var secret: String
    public var createdAt: Instant
    public var disabledAt: Instant?
    /// The last event number handed to its deliveries.
    public var cursor: Int

    public func wants(_ type: String) -> Bool {
        types.isEmpty || types.contains { $0.hasSuffix("*") ? type.hasPrefix($0.dropLast()) : type == $0 }
    }
}

/// A delivery to make: the endpoint, the event, and how many attempts came before.
public struct WebhookDelivery: Sendable {
    public var endpoint: WebhookEndpoint
    public var event: FeedEvent
    public var attempts: Int
}

/// Counts of an endpoint's deliveries.
public struct WebhookCounts: Sendable, Equatable {
    public var pending = 0
    public var delivered = 0
    public var gaveUp = 0
    public var lastError: String?
}

extension StoreTransaction {
    public func addWebhook(id: String, client: String, url: String, types: [String], secret: String, at: Instant) throws {
        try connection.execute(
            "INSERT INTO webhook_endpoints (id, client, url, types, secret, created_at, cursor) "
                + "VALUES (?, ?, ?, ?, ?, \(dialect.instantParameter), (SELECT last_seq FROM event_feed WHERE one = 1))",
            [.text(id), .text(client), .text(url), .text(types.joined(separator: ",")), .text(secret), .instant(at)])
    }

    /// Stops deliveries to an endpoint; false when there is no such endpoint in use.
    public func disableWebhook(_ id: String, at: Instant) throws -> Bool {
        try connection.execute(
            "UPDATE webhook_endpoints SET disabled_at = \(dialect.instantParameter) WHERE id = ? AND disabled_at IS NULL",
            [.instant(at), .text(id)]) > 0
    }

    public func webhooks(includingDisabled: Bool = true) throws -> [WebhookEndpoint] {
        let condition = includingDisabled ? "" : " WHERE disabled_at IS NULL"
        return try connection.query(
            """
            SELECT id, client, url, types, secret, \(dialect.instantColumn("created_at")), \(dialect.instantColumn("disabled_at")), cursor
            FROM webhook_endpoints\(condition) ORDER BY created_at, id
            """, []
        ).map(endpoint)
    }

    func endpoint(_ row: SQLRow) throws -> WebhookEndpoint {
        WebhookEndpoint(
            id: try row.text("id"), client: try row.text("client"), url: try row.text("url"),
            types: try row.text("types").split(separator: ",").map(String.init), secret: try row.text("secret"),
            createdAt: Instant(secondsSinceEpoch: try row.int("created_at")),
            disabledAt: try row.optionalInt("disabled_at").map(Instant.init(secondsSinceEpoch:)), cursor: try row.int("cursor"))
    }

    public func webhookCounts(_ id: String) throws -> WebhookCounts {
        let row = try connection.query(
            """
            SELECT COUNT(*) FILTER (WHERE delivered_at IS NULL AND gave_up_at IS NULL) AS pending,
                   COUNT(*) FILTER (WHERE delivered_at IS NOT NULL) AS delivered,
                   COUNT(*) FILTER (WHERE gave_up_at IS NOT NULL) AS gave_up,
                   MAX(last_error) AS last_error
            FROM webhook_deliveries WHERE endpoint_id = ?
            """, [.text(id)]
        ).first
        return WebhookCounts(
            pending: try row?.int("pending") ?? 0, delivered: try row?.int("delivered") ?? 0, gaveUp: try row?.int("gave_up") ?? 0,
            lastError: try row?.optionalText("last_error"))
    }

    /// Hands the events after an endpoint's cursor (up to `limit`) to its deliveries, due at
    /// `at`, and moves the cursor past them; a delivery made before is made again (a replay).
    /// Returns the events read (0: the endpoint is up to date).
    public func fanOut(_ endpoint: String, limit: Int, at: Instant) throws -> Int {
        guard
            let row = try connection.query(
                "SELECT id, client, url, types, secret, \(dialect.instantColumn("created_at")), \(dialect.instantColumn("disabled_at")), "
                    + "cursor FROM webhook_endpoints WHERE id = ? AND disabled_at IS NULL\(dialect.lockRows)", [.text(endpoint)]
            ).first
        else { return 0 }
        let found = try self.endpoint(row)
        let events = try feed(after: found.cursor, limit: limit).events
        guard let last = events.last else { return 0 }
        let wanted = events.filter { found.wants($0.type) }
        let instant = dialect.instantParameter
        for start in stride(from: 0, to: wanted.count, by: 100) {
            let chunk = wanted[start..<min(wanted.count, start + 100)]
            let values = Array(repeating: "(?, ?, \(instant))", count: chunk.count).joined(separator: ", ")
            try connection.execute(
                """
                INSERT INTO webhook_deliveries (endpoint_id, seq, next_attempt_at) VALUES \(values)
                ON CONFLICT (endpoint_id, seq) DO UPDATE SET attempts = 0, next_attempt_at = excluded.next_attempt_at,
                    delivered_at = NULL, gave_up_at = NULL, claimed_by = NULL, claim_until = NULL, last_status = NULL, last_error = NULL
                """, chunk.flatMap { [SQLValue.text(endpoint), .integer($0.seq), .instant(at)] })
        }
        try connection.execute("UPDATE webhook_endpoints SET cursor = ? WHERE id = ?", [.integer(last.seq), .text(endpoint)])
        return events.count
    }

    /// Moves an endpoint's cursor back (or forward) to `cursor`: the events after it are delivered again.
    public func rewindWebhook(_ endpoint: String, to cursor: Int) throws -> Bool {
        try connection.execute(
            "UPDATE webhook_endpoints SET cursor = ? WHERE id = ? AND disabled_at IS NULL", [.integer(cursor), .text(endpoint)]) > 0
    }

    /// Claims up to `limit` deliveries due at `due` that nobody holds (or whose holder's claim ran
    /// out), for `sender`, for `leaseSeconds` on the database's clock; soonest due first.
    /// PostgreSQL skips rows another sender is claiming.
    public func claimDeliveries(due: Instant, by sender: String, leaseSeconds: Int, limit: Int) throws -> [WebhookDelivery] {
        let skip = dialect.backend == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        let claimed = try connection.query(
            """
            UPDATE webhook_deliveries SET claimed_by = ?, claim_until = \(dialect.instantAfterSeconds)
            WHERE (endpoint_id, seq) IN (
                SELECT endpoint_id, seq FROM webhook_deliveries
                WHERE delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= \(dialect.instantParameter)
                  AND (claim_until IS NULL OR claim_until < \(dialect.currentInstant))
                ORDER BY next_attempt_at, seq LIMIT ?\(skip))
            RETURNING endpoint_id, seq, attempts
            """, [.text(sender), .integer(leaseSeconds), .instant(due), .integer(max(0, limit))])
        guard !claimed.isEmpty else { return [] }
        let endpoints = Dictionary(try webhooks().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // The batch's events in one read (a batch may name one event for several endpoints).
        let events = try self.events(numbered: Array(Set(try claimed.map { try $0.int("seq") })))
        var deliveries: [WebhookDelivery] = []
        for row in claimed {
            guard let endpoint = endpoints[try row.text("endpoint_id")], let event = events[try row.int("seq")] else { continue }
            deliveries.append(WebhookDelivery(endpoint: endpoint, event: event, attempts: try row.int("attempts")))
        }
        return deliveries.sorted { ($0.event.seq, $0.endpoint.id) < ($1.event.seq, $1.endpoint.id) }
    }

    /// Records a delivery's outcome: delivered, or due again at `retryAt` (nil: given up).
    public func recordDelivery(
        _ endpoint: String, seq: Int, delivered: Bool, status: Int?, error: String?, retryAt: Instant?, at: Instant
    ) throws {
        let instant = dialect.instantParameter
        if delivered {
            try connection.execute(
                "UPDATE webhook_deliveries SET delivered_at = \(instant), attempts = attempts + 1, last_status = ?, last_error = NULL, "
                    + "claimed_by = NULL, claim_until = NULL WHERE endpoint_id = ? AND seq = ?",
                [.instant(at), .optional(status), .text(endpoint), .integer(seq)])
        } else {
            try connection.execute(
                """
                UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?,
                    next_attempt_at = COALESCE(\(instant), next_attempt_at), gave_up_at = CASE WHEN ? = 1 THEN \(instant) ELSE NULL END,
                    claimed_by = NULL, claim_until = NULL
                WHERE endpoint_id = ? AND seq = ?
                """,
                [
                    .optional(status), .optional(error.map { String($0.prefix(300)) }), .optional(retryAt),
                    .integer(retryAt == nil ? 1 : 0), .instant(at), .text(endpoint), .integer(seq),
                ])
        }
    }
}

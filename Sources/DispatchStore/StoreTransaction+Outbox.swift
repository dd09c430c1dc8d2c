import SchedulingCore

/// The notice outbox, complaints and callback tasks.
extension StoreTransaction {
    // MARK: Notices

    /// Queues a notice; returns false when one with the same idempotency key is pending or sent
    /// (queued twice by a repeated operation), which leaves it as it is. One cancelled earlier is
    /// queued again: a visit moved away and back to the same start is announced again (found by
    /// the day simulator: the customer was never told of the start the visit returned to).
    @discardableResult
    public func queueNotice(_ notice: NoticeDraft, at: Instant) throws -> Bool {
        let instant = dialect.instantParameter
        return try connection.execute(
            """
            INSERT INTO notices (idempotency_key, kind, order_id, technician_id, planned_start, due_at, created_at, body)
            VALUES (?, ?, ?, ?, \(instant), \(instant), \(instant), ?)
            ON CONFLICT (idempotency_key) DO UPDATE SET cancelled_at = NULL, due_at = excluded.due_at,
                created_at = excluded.created_at, body = excluded.body, claimed_by = NULL, claim_until = NULL
            WHERE notices.sent_at IS NULL AND notices.cancelled_at IS NOT NULL
            """,
            [
                .text(notice.key), .text(notice.kind.rawValue), .text(notice.order), .optional(notice.technician),
                .optional(notice.plannedStart), .instant(notice.dueAt), .instant(at), .text(notice.body),
            ]) > 0
    }

    /// Cancels an unsent notice; false when it was sent or cancelled already.
    @discardableResult
    public func cancelNotice(_ id: Int, at: Instant) throws -> Bool {
        try connection.execute(
            "UPDATE notices SET cancelled_at = \(dialect.instantParameter) WHERE id = ? AND sent_at IS NULL AND cancelled_at IS NULL",
            [.instant(at), .integer(id)]) > 0
    }

    public func notices(_ filter: NoticeFilter, limit: Int? = nil) throws -> [StoredNotice] {
        var condition: String
        var parameters: [SQLValue] = []
        switch filter {
        case .all: condition = "1 = 1"
        case .sent: condition = "sent_at IS NOT NULL"
        case .pending: condition = "sent_at IS NULL AND cancelled_at IS NULL"
        case .due(let instant):
            condition = "sent_at IS NULL AND cancelled_at IS NULL AND due_at <= \(dialect.instantParameter)"
            parameters = [.instant(instant)]
        }
        if let limit { condition += " ORDER BY due_at, id LIMIT \(max(0, limit))" } else { condition += " ORDER BY due_at, id" }
        return try notices(where: condition, parameters)
    }

    /// Unsent, uncancelled notices of every order of a service day, in one read.
    public func pendingNotices(onDay day: LocalDate) throws -> [StoredNotice] {
        try notices(
            where: "sent_at IS NULL AND cancelled_at IS NULL AND order_id IN (SELECT id FROM orders WHERE service_day = ?) ORDER BY id",
            [.text(day.description)])
    }

    public func notices(of order: String) throws -> [StoredNotice] {
        try notices(where: "order_id = ? ORDER BY id", [.text(order)])
    }

    public func notice(_ id: Int) throws -> StoredNotice? {
        try notices(where: "id = ?", [.integer(id)]).first
    }

    /// Marks a delivered notice sent; false when it was already marked (by an earlier run). A
    /// cancel that came while it was being delivered is kept as `cancelled_in_flight_at`.
    @discardableResult
    public func markNoticeSent(_ id: Int, at: Instant) throws -> Bool {
        try connection.execute(
            "UPDATE notices SET sent_at = \(dialect.instantParameter), cancelled_in_flight_at = cancelled_at, cancelled_at = NULL, attempts = attempts + 1, last_error = "
                + "NULL, claimed_by = NULL, claim_until = NULL WHERE id = ? AND sent_at IS NULL",
            [.instant(at), .integer(id)]) > 0
    }

    /// Stamps the effect of a delivered notice as applied; false when it already was (or the
    /// notice is not sent). Called under the order's day lock, with the effect itself.
    public func markNoticeApplied(_ id: Int, at: Instant) throws -> Bool {
        try connection.execute(
            "UPDATE notices SET effects_applied_at = \(dialect.instantParameter) WHERE id = ? AND sent_at IS NOT NULL "
                + "AND effects_applied_at IS NULL",
            [.instant(at), .integer(id)]) > 0
    }

    /// Delivered notices whose effect is not applied yet (a sender stopped between recording the
    /// acknowledgement and applying it), of the orders of `day` when given, oldest first.
    public func unappliedNotices(onDay day: LocalDate? = nil, limit: Int = 500) throws -> [StoredNotice] {
        guard let day else {
            return try notices(
                where: "sent_at IS NOT NULL AND effects_applied_at IS NULL ORDER BY id LIMIT ?", [.integer(limit)])
        }
        return try notices(
            where: "sent_at IS NOT NULL AND effects_applied_at IS NULL AND order_id IN (SELECT id FROM orders WHERE service_day = ?) "
                + "ORDER BY id LIMIT ?",
            [.text(day.description), .integer(limit)])
    }

    /// Claims up to `limit` notices due at `due` that nobody holds (or whose holder's claim ran
    /// out on the database clock) for `sender`, for `leaseSeconds`, earliest due first. On
    /// PostgreSQL rows another sender is claiming are skipped (`FOR UPDATE SKIP LOCKED`), so
    /// concurrent senders split the outbox instead of waiting for each other or sharing it.
    /// Taking over a claim that ran out counts as an attempt: its holder may have delivered it
    /// before stalling (the receiver dedupes by the idempotency key; the count says it may).
    public func claimNotices(due: Instant, by sender: String, leaseSeconds: Int, limit: Int) throws -> [StoredNotice] {
        let skip = dialect.backend == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        let claimed = try connection.query(
            """
            UPDATE notices SET claimed_by = ?, claim_until = \(dialect.instantAfterSeconds),
                               attempts = attempts + CASE WHEN claimed_by IS NULL THEN 0 ELSE 1 END
            WHERE id IN (SELECT id FROM notices
                         WHERE sent_at IS NULL AND cancelled_at IS NULL AND due_at <= \(dialect.instantParameter)
                           AND (claim_until IS NULL OR claim_until < \(dialect.currentInstant))
                         ORDER BY due_at, id LIMIT ?\(skip))
            RETURNING id
            """, [.text(sender), .integer(leaseSeconds), .instant(due), .integer(max(0, limit))])
        let ids = try claimed.map { try $0.int("id") }
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        return try notices(where: "id IN (\(marks)) ORDER BY due_at, id", ids.map { .integer($0) })
    }

    /// Whether the notice is still to be sent under `sender`'s live claim: not sent, not
    /// cancelled, and the claim neither taken over nor run out. Read just before delivering.
    public func holdsClaim(_ id: Int, sender: String) throws -> Bool {
        try !connection.query(
            """
            SELECT 1 FROM notices WHERE id = ? AND sent_at IS NULL AND cancelled_at IS NULL AND claimed_by = ?
              AND claim_until >= \(dialect.currentInstant)
            """, [.integer(id), .text(sender)]
        ).isEmpty
    }

    /// Extends `sender`'s live claims by `leaseSeconds` from now (on the database clock): a sender
    /// renews them while it works, so a slow delivery is never taken over by another sender.
    public func renewClaims(of sender: String, leaseSeconds: Int) throws {
        try connection.execute(
            """
            UPDATE notices SET claim_until = \(dialect.instantAfterSeconds)
            WHERE claimed_by = ? AND sent_at IS NULL AND cancelled_at IS NULL AND claim_until >= \(dialect.currentInstant)
            """, [.integer(leaseSeconds), .text(sender)])
    }

    /// Gives back `sender`'s claims on notices it did not deliver (they are tried again by the next run).
    public func releaseClaims(of sender: String) throws {
        try connection.execute(
            "UPDATE notices SET claimed_by = NULL, claim_until = NULL WHERE claimed_by = ? AND sent_at IS NULL",
            [.text(sender)])
    }

    /// Counts a failed delivery attempt and keeps its reason.
    public func recordNoticeFailure(_ id: Int, error: String) throws {
        try connection.execute(
            "UPDATE notices SET attempts = attempts + 1, last_error = ? WHERE id = ? AND sent_at IS NULL",
            [.text(String(error.prefix(500))), .integer(id)])
    }

    func notices(where condition: String, _ parameters: [SQLValue]) throws -> [StoredNotice] {
        let sql = """
            SELECT id, idempotency_key, kind, order_id, technician_id, \(dialect.instantColumn("planned_start")),
                   \(dialect.instantColumn("due_at")), body, \(dialect.instantColumn("created_at")),
                   \(dialect.instantColumn("sent_at")), \(dialect.instantColumn("cancelled_at")), attempts, last_error,
                   \(dialect.instantColumn("cancelled_in_flight_at"))
            FROM notices WHERE \(condition)
            """
        return try connection.query(sql, parameters).map { row in
            let draft = NoticeDraft(
                key: try row.text("idempotency_key"), kind: try reader.choice(row.text("kind"), NoticeKind.self, "notices.kind"),
                order: try row.text("order_id"), technician: try row.optionalText("technician_id"),
                plannedStart: try row.optionalInt("planned_start").map(Instant.init(secondsSinceEpoch:)),
                dueAt: Instant(secondsSinceEpoch: try row.int("due_at")), body: try row.text("body"))
            return StoredNotice(
                id: try row.int("id"), draft: draft, createdAt: Instant(secondsSinceEpoch: try row.int("created_at")),
                sentAt: try row.optionalInt("sent_at").map(Instant.init(secondsSinceEpoch:)),
                cancelledAt: try row.optionalInt("cancelled_at").map(Instant.init(secondsSinceEpoch:)),
                attempts: try row.int("attempts"), lastError: try row.optionalText("last_error"),
                cancelledInFlightAt: try row.optionalInt("cancelled_in_flight_at").map(Instant.init(secondsSinceEpoch:)))
        }
    }

    // MARK: Complaints and callbacks

    public func addComplaint(order: String, text: String, actor: String, at: Instant) throws -> Int {
        let rows = try connection.query(
            "INSERT INTO complaints (order_id, at, actor, text) VALUES (?, \(dialect.instantParameter), ?, ?) RETURNING id",
            [.text(order), .instant(at), .text(actor), .text(text)])
        guard let id = try rows.first?.int("id") else { throw StoreError(.database, "the new complaint row has no id") }
        return id
    }

    public func addCallback(
        order: String, cause: CallbackCause, complaint: Int?, createdAt: Instant, dueAt: Instant,
        channel: CallbackChannel
    ) throws -> Int {
        let instant = dialect.instantParameter
        let rows = try connection.query(
            """
            INSERT INTO callbacks (order_id, cause, complaint_id, created_at, due_at, channel)
            VALUES (?, ?, ?, \(instant), \(instant), ?) RETURNING id
            """,
            [.text(order), .text(cause.rawValue), .optional(complaint), .instant(createdAt), .instant(dueAt), .text(channel.rawValue)])
        guard let id = try rows.first?.int("id") else { throw StoreError(.database, "the new callback row has no id") }
        return id
    }

    /// Open (unanswered) callbacks due at or before `dueBy` (all open ones when nil), earliest first.
    public func openCallbacks(dueBy: Instant?) throws -> [CallbackTask] {
        if let dueBy {
            return try callbacks(where: "answer IS NULL AND due_at <= \(dialect.instantParameter) ORDER BY due_at, id", [.instant(dueBy)])
        }
        return try callbacks(where: "answer IS NULL ORDER BY due_at, id", [])
    }

    public func callbacks(of order: String) throws -> [CallbackTask] {
        try callbacks(where: "order_id = ? ORDER BY id", [.text(order)])
    }

    public func callback(_ id: Int) throws -> CallbackTask? {
        try callbacks(where: "id = ?", [.integer(id)]).first
    }

    public func answerCallback(_ id: Int, answer: CallbackAnswer, reason: String?, by agent: String, at: Instant) throws {
        try connection.execute(
            "UPDATE callbacks SET answer = ?, reason = ?, answered_by = ?, answered_at = \(dialect.instantParameter), attempts = "
                + "attempts + 1 WHERE id = ? AND answer IS NULL",
            [.text(answer.rawValue), .optional(reason), .text(agent), .instant(at), .integer(id)])
    }

    /// Counts an unanswered attempt; the task continues on `channel`.
    public func recordCallbackAttempt(_ id: Int, channel: CallbackChannel) throws {
        try connection.execute(
            "UPDATE callbacks SET attempts = attempts + 1, channel = ? WHERE id = ? AND answer IS NULL",
            [.text(channel.rawValue), .integer(id)])
    }

    func callbacks(where condition: String, _ parameters: [SQLValue]) throws -> [CallbackTask] {
        let sql = """
            SELECT id, order_id, cause, complaint_id, \(dialect.instantColumn("created_at")), \(dialect.instantColumn("due_at")),
                   channel, attempts, answer, reason, \(dialect.instantColumn("answered_at")), answered_by
            FROM callbacks WHERE \(condition)
            """
        return try connection.query(sql, parameters).map { row in
            CallbackTask(
                id: try row.int("id"), order: try row.text("order_id"),
                cause: try reader.choice(row.text("cause"), CallbackCause.self, "callbacks.cause"),
                complaint: try row.optionalInt("complaint_id"), createdAt: Instant(secondsSinceEpoch: try row.int("created_at")),
                dueAt: Instant(secondsSinceEpoch: try row.int("due_at")),
                channel: try reader.choice(row.text("channel"), CallbackChannel.self, "callbacks.channel"),
                attempts: try row.int("attempts"),
                answer: try row.optionalText("answer").map { try reader.choice($0, CallbackAnswer.self, "callbacks.answer") },
                reason: try row.optionalText("reason"),
                answeredAt: try row.optionalInt("answered_at").map(Instant.init(secondsSinceEpoch:)),
                answeredBy: try row.optionalText("answered_by"))
        }
    }
}

import Foundation
import SchedulingCore

/// An event of the feed as stored (docs/integration.md, "Events out"): `seq` is its place in the
/// feed (commit order), `data` its JSON object's text.
public struct FeedEvent: Sendable, Equatable {
    public var seq: Int
    public var id: String
    public var type: String
    public var subject: String?
    public var time: Instant
    public var data: String
}

/// A page of the feed: the events after a cursor, and the last number pruned (a cursor below it
/// has missed events that are gone).
public struct FeedPage: Sendable, Equatable {
    public var events: [FeedEvent]
    public var prunedThrough: Int
}

/// The events a transaction has caused, written to the feed as its last step before COMMIT
/// (`StoreTransaction.flushEvents`). Their data is made then, in the zone of the day they belong
/// to, read once for them all.
final class EventOutbox {
    struct Pending {
        var type: String
        var subject: String?
        /// When it happened; nil: the database's clock at commit (an import has no clock of its own).
        var at: Instant?
        /// The day whose zone the data's times are written in, or the order whose day's.
        var day: LocalDate?
        var order: String?
        var data: (ServiceTimeZone) -> JSONValue
    }

    var pending: [Pending] = []
}

extension StoreTransaction {
    /// The feed's event types (docs/integration.md lists them with their data).
    public enum EventType {
        public static let prefix = "fielddispatch."
        public static let created = "fielddispatch.order.created"
        public static let updated = "fielddispatch.order.updated"
        public static let booked = "fielddispatch.order.booked"
        public static let published = "fielddispatch.plan.published"
        /// A change of the order's workflow state (or a note in its history): the state it is in after.
        public static func state(_ state: OrderState) -> String { "fielddispatch.order.\(state.rawValue)" }
    }

    /// An order created (a new id) or changed by an import or by its order system: the event
    /// names it; its content is read with `GET /v1/orders/{id}`.
    public func orderStored(_ order: String, created: Bool, at: Instant?) {
        outbox.pending.append(
            .init(
                type: created ? EventType.created : EventType.updated, subject: order, at: at, day: nil, order: nil,
                data: { _ in created ? ["order": order.json, "state": OrderState.new.rawValue.json] : ["order": order.json] }))
    }

    /// Adds an event to the feed when this transaction commits; `data` is made then, given the
    /// zone of `day` (or of the day of `order`, as it is at commit).
    public func emit(
        _ type: String, subject: String?, at: Instant, day: LocalDate? = nil, order: String? = nil,
        data: @escaping (ServiceTimeZone) -> JSONValue
    ) {
        outbox.pending.append(.init(type: type, subject: subject, at: at, day: day, order: order, data: data))
    }

    /// Writes the events this transaction caused, numbered after the feed's last: the feed's row
    /// is locked from here to COMMIT, so the numbers follow commit order. Called last.
    func flushEvents() throws {
        let pending = outbox.pending
        guard !pending.isEmpty else { return }
        outbox.pending = []
        let places = try eventPlaces(pending)
        guard
            let last = try connection.query(
                "UPDATE event_feed SET last_seq = last_seq + ? WHERE one = 1 RETURNING last_seq", [.integer(pending.count)]
            ).first?.int("last_seq")
        else { throw StoreError(.database, "the event_feed row is missing (run dispatch db migrate)") }
        let rowsPerStatement = 100
        for start in stride(from: 0, to: pending.count, by: rowsPerStatement) {
            let chunk = pending[start..<min(pending.count, start + rowsPerStatement)]
            let time = "COALESCE(\(dialect.instantParameter), \(dialect.currentInstant))"
            let values = Array(repeating: "(?, ?, ?, ?, \(time), ?, ?)", count: chunk.count).joined(separator: ", ")
            var parameters: [SQLValue] = []
            for (offset, event) in zip(start..., chunk) {
                let day = event.day ?? event.order.flatMap { places.orders[$0]?.day }
                let zone = event.day.flatMap { places.days[$0] } ?? event.order.flatMap { places.orders[$0]?.zone } ?? .utc
                parameters += [
                    .integer(last - pending.count + 1 + offset), .text(UUID().uuidString.lowercased()), .text(event.type),
                    .optional(event.subject), .optional(event.at), .text(event.data(zone).text()), .optional(day?.description),
                ]
            }
            try connection.execute("INSERT INTO events (seq, id, type, subject, time, data, day) VALUES \(values)", parameters)
        }
        // Every server instance listening learns of the commit at once (the live board's stream);
        // PostgreSQL delivers it when this transaction commits, and not if it rolls back.
        if dialect.backend == "postgresql" {
            _ = try connection.query("SELECT pg_notify('\(Self.eventChannel)', ?)", [.text(String(last))])
        }
    }

    /// The PostgreSQL channel a commit that wrote events notifies, with the feed's last number.
    public static let eventChannel = "fielddispatch_events"

    /// The zones of the days the events name, and the day and zone of the orders they name
    /// without a day, in two reads.
    private func eventPlaces(_ pending: [EventOutbox.Pending]) throws -> (
        days: [LocalDate: ServiceTimeZone], orders: [String: (day: LocalDate, zone: ServiceTimeZone)]
    ) {
        var days: [LocalDate: ServiceTimeZone] = [:]
        var orders: [String: (day: LocalDate, zone: ServiceTimeZone)] = [:]
        let wantedDays = Array(Set(pending.compactMap(\.day))).map { SQLValue.text($0.description) }
        let wantedOrders = Array(Set(pending.filter { $0.day == nil }.compactMap(\.order))).map { SQLValue.text($0) }
        for chunk in stride(from: 0, to: wantedDays.count, by: 500).map({ wantedDays[$0..<min(wantedDays.count, $0 + 500)] }) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            for row in try connection.query("SELECT day, timezone FROM service_days WHERE day IN (\(marks))", Array(chunk)) {
                if let day = LocalDate(iso: try row.text("day")), let zone = ServiceTimeZone(identifier: try row.text("timezone")) {
                    days[day] = zone
                }
            }
        }
        for chunk in stride(from: 0, to: wantedOrders.count, by: 500).map({ wantedOrders[$0..<min(wantedOrders.count, $0 + 500)] }) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            let sql = """
                SELECT o.id, \(dialect.dateColumn("o.service_day")), d.timezone FROM orders o JOIN service_days d ON d.day = o.service_day
                WHERE o.id IN (\(marks))
                """
            for row in try connection.query(sql, Array(chunk)) {
                if let zone = ServiceTimeZone(identifier: try row.text("timezone")), let day = LocalDate(iso: try row.text("service_day")) {
                    orders[try row.text("id")] = (day, zone)
                }
            }
        }
        return (days, orders)
    }

    /// Up to `limit` events after number `after`, in feed order, and the last number pruned.
    public func feed(after: Int, limit: Int) throws -> FeedPage {
        let pruned = try connection.query("SELECT pruned_through FROM event_feed WHERE one = 1", []).first?.int("pruned_through") ?? 0
        let events = try feedEvents(where: "seq > ? ORDER BY seq LIMIT ?", [.integer(after), .integer(max(0, limit))])
        return FeedPage(events: events, prunedThrough: pruned)
    }

    /// The events numbered `numbers` that are still kept, by number, in one read.
    func events(numbered numbers: [Int]) throws -> [Int: FeedEvent] {
        guard !numbers.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: numbers.count).joined(separator: ", ")
        let found = try feedEvents(where: "seq IN (\(marks))", numbers.map { .integer($0) })
        return Dictionary(found.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private func feedEvents(where condition: String, _ parameters: [SQLValue]) throws -> [FeedEvent] {
        try connection.query(
            "SELECT seq, id, type, subject, \(dialect.instantColumn("time")), data FROM events WHERE \(condition)", parameters
        ).map { row in
            FeedEvent(
                seq: try row.int("seq"), id: try row.text("id"), type: try row.text("type"), subject: try row.optionalText("subject"),
                time: Instant(secondsSinceEpoch: try row.int("time")), data: try row.text("data"))
        }
    }

    /// The events of `day` numbered above `after`, in feed order (at most `limit`), and the
    /// feed's last number as this transaction sees it: every event of the day up to that number
    /// is among them, so the next read starts after it.
    public func dayFeed(on day: LocalDate, after: Int, limit: Int) throws -> (events: [FeedEvent], through: Int) {
        let last = try lastEventNumber()
        let events = try feedEvents(
            where: "day = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
            [.text(day.description), .integer(after), .integer(last), .integer(max(1, limit))])
        return (events, events.count >= limit ? events.last?.seq ?? last : last)
    }

    /// The number of the feed's last event (0 when none was ever written).
    public func lastEventNumber() throws -> Int {
        try connection.query("SELECT last_seq FROM event_feed WHERE one = 1", []).first?.int("last_seq") ?? 0
    }

    /// Removes the events older than `before`, as a prefix of the feed (up to the newest event
    /// older than it), and idempotency keys older than `keysBefore`; returns the events removed.
    public func pruneEvents(before: Instant, keysBefore: Instant) throws -> Int {
        try connection.execute("DELETE FROM idempotency_keys WHERE created_at < \(dialect.instantParameter)", [.instant(keysBefore)])
        guard
            let through = try connection.query(
                "SELECT MAX(seq) AS through FROM events WHERE time < \(dialect.instantParameter)", [.instant(before)]
            ).first?.optionalInt("through")
        else { return 0 }
        try connection.execute(
            "UPDATE event_feed SET pruned_through = ? WHERE one = 1 AND pruned_through < ?", [.integer(through), .integer(through)])
        return try connection.execute("DELETE FROM events WHERE seq <= ?", [.integer(through)])
    }
}

/// What a request sent with an `Idempotency-Key` finds (docs/integration.md).
public enum IdempotencyClaim: Sendable, Equatable {
    /// The key is new (or its first request died long ago): this request runs, and its answer is kept.
    case run
    /// The first request with this key is still running.
    case inFlight
    /// The key was used with another request (method, path or body).
    case mismatch
    /// The first request's answer, to be given again.
    case replay(status: Int, contentType: String, body: String)
}

extension StoreTransaction {
    /// Claims `key` of `client` for the request with `fingerprint`, or finds what it holds. A
    /// claim with no answer older than `staleBefore` is taken over (its request died).
    public func claimIdempotencyKey(client: String, key: String, fingerprint: String, at: Instant, staleBefore: Instant) throws
        -> IdempotencyClaim
    {
        let instant = dialect.instantParameter
        let inserted = try connection.execute(
            "INSERT INTO idempotency_keys (client, key, fingerprint, created_at) VALUES (?, ?, ?, \(instant)) "
                + "ON CONFLICT (client, key) DO NOTHING",
            [.text(client), .text(key), .text(fingerprint), .instant(at)])
        if inserted > 0 { return .run }
        guard
            let row = try connection.query(
                "SELECT fingerprint, \(dialect.instantColumn("created_at")), status, content_type, body "
                    + "FROM idempotency_keys WHERE client = ? AND key = ?\(dialect.lockRows)",
                [.text(client), .text(key)]
            ).first
        else { return .inFlight }
        guard let status = try row.optionalInt("status") else {
            // Unanswered: its request still runs, or died long ago and this one takes the key over.
            guard try row.int("created_at") < staleBefore.secondsSinceEpoch else { return .inFlight }
            try connection.execute(
                "UPDATE idempotency_keys SET created_at = \(instant), fingerprint = ? WHERE client = ? AND key = ?",
                [.instant(at), .text(fingerprint), .text(client), .text(key)])
            return .run
        }
        guard try row.text("fingerprint") == fingerprint else { return .mismatch }
        return .replay(
            status: status, contentType: try row.optionalText("content_type") ?? "application/json",
            body: try row.optionalText("body") ?? "")
    }

    /// Keeps the answer of the request that claimed `key`, for its retries.
    public func keepIdempotentAnswer(client: String, key: String, status: Int, contentType: String, body: String) throws {
        try connection.execute(
            "UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE client = ? AND key = ?",
            [.integer(status), .text(contentType), .text(body), .text(client), .text(key)])
    }

    /// Gives the key back unanswered (the request failed in a way a retry may not): the next request with it runs.
    public func releaseIdempotencyKey(client: String, key: String) throws {
        try connection.execute(
            "DELETE FROM idempotency_keys WHERE client = ? AND key = ? AND status IS NULL", [.text(client), .text(key)])
    }
}

extension StoreTransaction {
    /// Stores one order sent by an order system, as an import stores a file's orders (the same
    /// writer and rules), with its customer; its day must be `locked`. Returns whether it is new
    /// and whether anything of it changed (an `order.created` or `order.updated` event is written).
    public func storeOrder(_ order: WorkOrder, day: LocalDate, at: Instant, locked: LockedDays) throws -> (created: Bool, changed: Bool) {
        try locked.require(day, "order \(order.id)")
        // Leaving another day (a new order moved by its order system) changes that day too.
        if let before = try connection.query("SELECT \(dialect.dateColumn("service_day")) FROM orders WHERE id = ?", [.text(order.id)])
            .first.map({ try reader.date($0.text("service_day")) }), before != day
        {
            try locked.require(before, "order \(order.id)")
            try bumpRevision(before)
        }
        var summary = ImportSummary()
        var customers = Set<String>()
        let written = try ScenarioWriter(connection).writeOrders([order], day: day, into: &summary, customers: &customers)
        guard let change = written.first else { return (false, false) }
        orderStored(order.id, created: !change.existed, at: at)
        try bumpRevision(day)
        return (!change.existed, true)
    }

    /// The latest service day stored, or nil when none is.
    public func latestServiceDay() throws -> LocalDate? {
        try connection.query("SELECT day FROM service_days ORDER BY day DESC LIMIT 1", []).first.flatMap {
            LocalDate(iso: try $0.text("day"))
        }
    }
}

import DispatchStore
import Foundation
import SchedulingCore

extension FeedEvent {
    /// The event in a CloudEvents 1.0 JSON envelope (docs/integration.md): `time` in UTC,
    /// `sequence` its place in the feed (the cursor just past it), `data` its JSON object.
    public var cloudEvent: JSONValue {
        var object: [String: JSONValue] = [
            "specversion": "1.0", "id": id.json, "source": "urn:fielddispatch", "type": type.json,
            "time": ServiceTimeZone.utc.rfc3339(time).replacingOccurrences(of: "+00:00", with: "Z").json,
            "datacontenttype": "application/json", "sequence": String(seq).json,
            "data": (try? JSONValue(parsing: Data(data.utf8))) ?? .object([:]),
        ]
        object["subject"] = subject?.json
        return .object(object)
    }
}

/// A page of the event feed as `GET /v1/events` answers it and `dispatch events list --format
/// json` prints it: the CloudEvents envelopes, and the cursor to go on from.
public func feedPageDocument(_ events: [FeedEvent], next: Int) -> JSONValue {
    ["events": .array(events.map(\.cloudEvent)), "next": String(next).json]
}

extension DispatchOperations {
    /// Events most a page of the feed holds.
    public static let feedPageLimit = 1_000

    /// Up to `limit` events after the cursor `after` (from the oldest kept when nil), in commit
    /// order. A cursor below the events kept is refused: the events after it are gone, and a
    /// client that went on from the oldest kept would silently miss them.
    public func events(after: Int?, limit: Int) async throws -> (events: [FeedEvent], next: Int) {
        guard (1...Self.feedPageLimit).contains(limit) else {
            throw OperationError.badInput("limit: between 1 and \(Self.feedPageLimit) events a page")
        }
        guard (after ?? 0) >= 0 else { throw OperationError.badInput("after: a cursor is a number a page's next gave") }
        let page = try await read { context in try context.tx.feed(after: after ?? 0, limit: limit) }
        if let after, after < page.prunedThrough {
            throw OperationError(
                .gone,
                "the events after \(after) up to \(page.prunedThrough) are no longer kept; read the feed again from its start "
                    + "(no 'after') and rebuild from it")
        }
        return (page.events, page.events.last?.seq ?? max(after ?? 0, page.prunedThrough))
    }

    /// The events of `day` after the feed number `after`, in commit order, and the number to go
    /// on from (the live board's stream): every event of the day up to it has been given.
    public func dayEvents(on day: LocalDate, after: Int, limit: Int = 500) async throws -> (events: [FeedEvent], through: Int) {
        try await read { context in try context.tx.dayFeed(on: day, after: max(0, after), limit: limit) }
    }

    /// The number of the feed's last event.
    public func lastEventNumber() async throws -> Int {
        try await read { context in try context.tx.lastEventNumber() }
    }

    /// Removes the feed's events older than `keepDays` days, and idempotency keys older than a
    /// day (their retries are long over); returns the events removed.
    public func pruneEvents(keepDays: Int) async throws -> Int {
        guard keepDays >= 1, keepDays <= 3_650 else { throw OperationError.badInput("--keep-days: between 1 and 3650") }
        let now = clock.now()
        return try await perform { context in
            _ = try context.tx.pruneOffers(before: now.adding(minutes: -1_440))
            return try context.tx.pruneEvents(before: now.adding(minutes: -keepDays * 1_440), keysBefore: now.adding(minutes: -1_440))
        }
    }
}

extension DispatchOperations {
    /// How long a request may run before a retry with its Idempotency-Key takes the key over
    /// (the first one is taken to have died with its server).
    static let idempotencyStaleSeconds = 120

    /// Claims an Idempotency-Key of `client` for the request `fingerprint` names, or finds what it holds.
    public func claimIdempotencyKey(client: String, key: String, fingerprint: String) async throws -> IdempotencyClaim {
        try await perform { context in
            try context.tx.claimIdempotencyKey(
                client: client, key: key, fingerprint: fingerprint, at: context.now,
                staleBefore: context.now.adding(minutes: -Self.idempotencyStaleSeconds / 60))
        }
    }

    /// Keeps the answer of the request that claimed the key, for its retries.
    public func keepIdempotentAnswer(client: String, key: String, status: Int, contentType: String, body: String) async throws {
        try await perform { context in
            try context.tx.keepIdempotentAnswer(client: client, key: key, status: status, contentType: contentType, body: body)
        }
    }

    /// Gives an unanswered key back: a retry with it runs.
    public func releaseIdempotencyKey(client: String, key: String) async throws {
        try await perform { context in try context.tx.releaseIdempotencyKey(client: client, key: key) }
    }
}

import Crypto
import DispatchStore
import Foundation
import SchedulingCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Signatures as the Standard Webhooks specification writes them (standardwebhooks.com):
/// `webhook-signature: v1,BASE64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))`, the key being the
/// base64 text after `whsec_`.
public enum WebhookSignature {
    /// A new secret: `whsec_` and 32 random bytes in base64.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return "whsec_" + Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }

    /// The `webhook-signature` value of a message; nil when the secret is not `whsec_BASE64`.
    public static func sign(secret: String, id: String, timestamp: Int, body: Data) -> String? {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let key = Data(base64Encoded: encoded), !key.isEmpty else { return nil }
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Whether one of the space-separated signatures of a `webhook-signature` header is the message's.
    public static func verify(secret: String, id: String, timestamp: Int, body: Data, header: String) -> Bool {
        guard let expected = sign(secret: secret, id: id, timestamp: timestamp, body: body) else { return false }
        return header.split(separator: " ").contains { Data($0.utf8) == Data(expected.utf8) }
    }
}

/// How a webhook delivery reaches its endpoint: the HTTP status it answered, or a thrown error
/// when it could not be reached.
public protocol WebhookTransport: Sendable {
    func post(_ url: String, headers: [String: String], body: Data) async throws -> Int
}

/// POSTs with URLSession, a timeout per request.
public struct HTTPWebhookTransport: WebhookTransport {
    private let session: URLSession

    public init(timeoutSeconds: Double = 10) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.httpMaximumConnectionsPerHost = 8
        session = URLSession(configuration: configuration)
    }

    public func post(_ url: String, headers: [String: String], body: Data) async throws -> Int {
        guard let target = URL(string: url) else { throw OperationError.badInput("'\(url)' is not a URL") }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (_, response) = try await session.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}

/// What one `sendWebhooks` run did.
public struct WebhookRun: Sendable, Equatable {
    public var delivered = 0
    public var failed = 0
    public var gaveUp = 0

    public init() {}
}

extension DispatchOperations {
    /// Seconds after each failed attempt before the next (Standard Webhooks' schedule): 10 tries
    /// over more than 24 hours, then the delivery is given up (`webhooks list` counts it).
    public static let webhookBackoff = [5, 30, 120, 300, 1_800, 3_600, 7_200, 18_000, 36_000, 36_000]

    /// Adds an endpoint for an integration client's events (of `types`, each a type or a prefix
    /// ending in `*`; none: all) from now on; returns its id and its signing secret (shown once).
    public func addWebhook(url: String, client: String, types: [String]) async throws -> (id: String, secret: String) {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
            throw OperationError.badInput("'\(url)' is not an http:// or https:// URL")
        }
        for type in types
        where !type.hasPrefix(StoreTransaction.EventType.prefix) || type.dropLast(type.hasSuffix("*") ? 1 : 0).contains("*") {
            throw OperationError.badInput("--types: '\(type)' is not an event type (fielddispatch.order.booked, fielddispatch.order.*, …)")
        }
        let id = "ep_" + Self.offerID().prefix(16)
        let secret = WebhookSignature.newSecret()
        let now = clock.now()
        try await perform { context in
            guard try context.tx.tokens(kind: .client).contains(where: { $0.subject == client && $0.revokedAt == nil }) else {
                throw OperationError.notFound(
                    "no integration client '\(client)' with a live token (dispatch clients token \(client) --scope …)")
            }
            try context.tx.addWebhook(id: id, client: client, url: url, types: types, secret: secret, at: now)
        }
        return (id, secret)
    }

    public func webhooks() async throws -> [(endpoint: WebhookEndpoint, counts: WebhookCounts)] {
        try await read { context in try context.tx.webhooks().map { ($0, try context.tx.webhookCounts($0.id)) } }
    }

    public func removeWebhook(_ id: String) async throws {
        let now = clock.now()
        try await perform { context in
            guard try context.tx.disableWebhook(id, at: now) else { throw OperationError.notFound("no webhook endpoint '\(id)' in use") }
        }
    }

    /// Delivers the events after `cursor` again to `endpoint` (every endpoint when nil).
    public func replayWebhooks(from cursor: Int, endpoint: String?) async throws -> Int {
        guard cursor >= 0 else { throw OperationError.badInput("--from: a cursor (an event's sequence), 0 for the oldest kept") }
        return try await perform { context in
            let targets = try context.tx.webhooks(includingDisabled: false).filter { endpoint == nil || $0.id == endpoint }
            if let endpoint, targets.isEmpty { throw OperationError.notFound("no webhook endpoint '\(endpoint)' in use") }
            for target in targets { _ = try context.tx.rewindWebhook(target.id, to: cursor) }
            return targets.count
        }
    }

    /// One run of the webhook sender: hands new events to each endpoint's deliveries, then
    /// delivers every due one (claimed with a lease, so several senders split the work), each a
    /// POST of the event's CloudEvents JSON signed as Standard Webhooks says; a 2xx marks it
    /// delivered, anything else schedules the next attempt (`webhookBackoff`) or gives it up.
    public func sendWebhooks(
        transport: any WebhookTransport = HTTPWebhookTransport(), sender: String? = nil, leaseSeconds: Int = 60, concurrency: Int = 8
    ) async throws -> WebhookRun {
        let sender = sender ?? "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))"
        let endpoints = try await read { context in try context.tx.webhooks(includingDisabled: false) }
        for endpoint in endpoints {
            while try await perform({ context in try context.tx.fanOut(endpoint.id, limit: 500, at: context.now) }) > 0 {}
        }
        var run = WebhookRun()
        while true {
            let batch = try await perform { context in
                try context.tx.claimDeliveries(due: context.now, by: sender, leaseSeconds: leaseSeconds, limit: 50)
            }
            guard !batch.isEmpty else { return run }
            let outcomes = await withTaskGroup(of: (WebhookDelivery, Int?, String?).self) { group in
                var outcomes: [(WebhookDelivery, Int?, String?)] = []
                var next = 0
                func start(_ delivery: WebhookDelivery) {
                    group.addTask { await Self.attempt(delivery, transport: transport, at: self.clock.now()) }
                }
                while next < min(concurrency, batch.count) {
                    start(batch[next])
                    next += 1
                }
                for await outcome in group {
                    outcomes.append(outcome)
                    if next < batch.count {
                        start(batch[next])
                        next += 1
                    }
                }
                return outcomes
            }
            let results = try await perform { context in
                var run = WebhookRun()
                for (delivery, status, error) in outcomes {
                    let delivered = status.map { (200..<300).contains($0) } ?? false
                    let wait = Self.webhookBackoff.indices.contains(delivery.attempts) ? Self.webhookBackoff[delivery.attempts] : nil
                    try context.tx.recordDelivery(
                        delivery.endpoint.id, seq: delivery.event.seq, delivered: delivered, status: status, error: error,
                        retryAt: wait.map { Instant(secondsSinceEpoch: context.now.secondsSinceEpoch + $0) }, at: context.now)
                    if delivered { run.delivered += 1 } else if wait == nil { run.gaveUp += 1 } else { run.failed += 1 }
                }
                return run
            }
            run.delivered += results.delivered
            run.failed += results.failed
            run.gaveUp += results.gaveUp
        }
    }

    /// One POST of a delivery: its status, or why it did not reach the endpoint.
    static func attempt(_ delivery: WebhookDelivery, transport: any WebhookTransport, at now: Instant) async -> (
        WebhookDelivery, Int?, String?
    ) {
        let body = Data(delivery.event.cloudEvent.text().utf8)
        let timestamp = now.secondsSinceEpoch
        guard
            let signature = WebhookSignature.sign(secret: delivery.endpoint.secret, id: delivery.event.id, timestamp: timestamp, body: body)
        else { return (delivery, nil, "the endpoint's secret is not whsec_BASE64") }
        let headers = [
            "Content-Type": "application/json", "webhook-id": delivery.event.id, "webhook-timestamp": String(timestamp),
            "webhook-signature": signature, "User-Agent": "fielddispatch-webhooks",
        ]
        do {
            let status = try await transport.post(delivery.endpoint.url, headers: headers, body: body)
            return (delivery, status, (200..<300).contains(status) ? nil : "HTTP \(status)")
        } catch {
            return (delivery, nil, "\(error)".prefix(200).description)
        }
    }
}

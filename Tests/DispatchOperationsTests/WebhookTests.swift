import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Synchronization
import Testing

/// Webhooks (issue 27): Standard Webhooks signatures, and deliveries that survive a receiver
/// failing one request in three and down for two minutes.
@Suite("Webhooks")
struct WebhookTests {
    @Test("Signatures are the Standard Webhooks specification's: its published test vector, and a forged body fails")
    func testVector() throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let signature = WebhookSignature.sign(secret: secret, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(
            WebhookSignature.verify(
                secret: secret, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body,
                header: "v1,bm90IGl0 v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="))
        #expect(
            !WebhookSignature.verify(
                secret: secret, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Data(#"{"test": 2432232315}"#.utf8),
                header: signature ?? ""))
        let fresh = WebhookSignature.newSecret()
        #expect(fresh.hasPrefix("whsec_") && Data(base64Encoded: String(fresh.dropFirst(6)))?.count == 32)
    }

    /// The receiver's network, cut while `down` holds.
    final class Flaky: WebhookTransport {
        let down = Atomic<Bool>(true)
        let refused = Atomic<Int>(0)
        let inner = HTTPWebhookTransport(timeoutSeconds: 5)

        func post(_ url: String, headers: [String: String], body: Data) async throws -> Int {
            if down.load(ordering: .sequentiallyConsistent) {
                refused.add(1, ordering: .sequentiallyConsistent)
                throw URLError(.cannotConnectToHost)
            }
            return try await inner.post(url, headers: headers, body: body)
        }
    }

    @Test(
        "A receiver failing one request in three and down for two minutes gets every event, signed, each id at least once; a replay sends them again",
        arguments: Backend.all)
    func deliveries(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, _) = try await OperationFixtures.publishedDay(database)
            _ = try await operations.issueClientToken("care-feed", scopes: [.eventsRead])
            let receiver = try await WebhookReceiver(failEvery: 3)
            defer { receiver.stop() }
            let (endpoint, secret) = try await operations.addWebhook(url: receiver.url, client: "care-feed", types: [])
            receiver.secret = secret
            let start = try await operations.events(after: nil, limit: 1_000).next
            // Events after the endpoint was added: a day of changes.
            clock.set("2026-11-23T07:00:00+08:00")
            for order in ["WO-N", "WO-A"] { _ = try await operations.cancel(order: order, reason: "moved away", actor: "order-system") }
            _ = try await operations.setStatus(order: "WO-R", to: .enRoute, reason: nil, actor: "T1")
            let expected = try await operations.events(after: start, limit: 1_000).events
            #expect(expected.count >= 5)

            let transport = Flaky()
            let began = clock.now()
            var now = began
            var runs = 0
            while now.secondsSinceEpoch - began.secondsSinceEpoch < 6 * 3_600 {
                transport.down.store(now.secondsSinceEpoch - began.secondsSinceEpoch < 120, ordering: .sequentiallyConsistent)
                _ = try await operations.sendWebhooks(transport: transport)
                runs += 1
                let counts = try await operations.webhooks().first { $0.endpoint.id == endpoint }?.counts
                if counts?.pending == 0, counts?.delivered == expected.count { break }
                now = Instant(secondsSinceEpoch: now.secondsSinceEpoch + 15)
                clock.set(now)
            }
            let counts = try #require(try await operations.webhooks().first { $0.endpoint.id == endpoint }?.counts)
            #expect(counts.delivered == expected.count && counts.gaveUp == 0 && counts.pending == 0, "\(counts) after \(runs) runs")
            let requests = receiver.requests
            // Both failures happened: refused while down, and 503s once up.
            #expect(transport.refused.load(ordering: .sequentiallyConsistent) >= expected.count)
            #expect(requests.contains { $0.status == 503 })
            #expect(requests.allSatisfy { $0.signed })
            let acknowledged = Set(requests.filter { $0.status == 204 }.map(\.id))
            #expect(acknowledged == Set(expected.map(\.id)))
            // The body is the event's CloudEvents envelope, the id its webhook-id.
            for request in requests {
                let object = try JSONSerialization.jsonObject(with: request.body) as? [String: Any]
                #expect(object?["id"] as? String == request.id && object?["specversion"] as? String == "1.0")
            }

            // A replay from the start delivers each event again.
            #expect(try await operations.replayWebhooks(from: start, endpoint: nil) == 1)
            transport.down.store(false, ordering: .sequentiallyConsistent)
            for _ in 0..<40 {
                _ = try await operations.sendWebhooks(transport: transport)
                let pending = try await operations.webhooks().first?.counts.pending
                if pending == 0 { break }
                now = Instant(secondsSinceEpoch: now.secondsSinceEpoch + 60)
                clock.set(now)
            }
            let again = receiver.requests.dropFirst(requests.count).filter { $0.status == 204 }.map(\.id)
            #expect(Set(again) == Set(expected.map(\.id)))
        }
    }
}

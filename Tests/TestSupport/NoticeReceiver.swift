import Foundation
import Hummingbird
import NIOCore

/// A notification gateway stand-in: a real HTTP server on 127.0.0.1 that takes `POST /notices`,
/// records every request (idempotency key, body, the status it answered) and can be told to
/// fail every n-th request or to answer slowly.
public final class NoticeReceiver: Sendable {
    /// One request as the receiver saw it.
    public struct Delivery: Sendable {
        public let key: String
        public let body: [String: String]
        public let status: Int
    }

    final class Log: @unchecked Sendable {
        // Guarded by `lock`.
        private let lock = NSLock()
        private var deliveries: [Delivery] = []
        private var count = 0

        func next() -> Int {
            lock.withLock {
                count += 1
                return count
            }
        }
        func append(_ delivery: Delivery) { lock.withLock { deliveries.append(delivery) } }
        var all: [Delivery] { lock.withLock { deliveries } }
    }

    private let log = Log()
    private let task: Task<Void, any Error>
    public let port: Int

    /// Starts the server; `failEvery` n > 0 answers 503 to every n-th request; `delay` waits
    /// before answering each one.
    public init(failEvery: Int = 0, delay: Duration = .zero) async throws {
        let log = self.log
        let router = Router()
        router.post("/notices") { request, context -> Response in
            let number = log.next()
            let key = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value ?? ""
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
            var body: [String: String] = [:]
            for (name, value) in object { body[name] = value as? String ?? "\(value)" }
            // a slow receiver, when the test asks for one
            if delay > .zero { try await Task.sleep(for: delay) }
            let status: HTTPResponse.Status = failEvery > 0 && number % failEvery == 0 ? .serviceUnavailable : .accepted
            log.append(Delivery(key: key, body: body, status: status.code))
            return Response(status: status)
        }
        (task, port) = try await Self.serve(router, what: "the notice receiver")
    }

    /// The URL to give `--sink`.
    public var url: String { "http://127.0.0.1:\(port)/notices" }

    /// Every request received, in arrival order.
    public var deliveries: [Delivery] { log.all }

    /// Requests answered 2xx, by idempotency key.
    public var acknowledged: [String: Int] {
        var counts: [String: Int] = [:]
        for delivery in log.all where (200..<300).contains(delivery.status) { counts[delivery.key, default: 0] += 1 }
        return counts
    }

    public func stop() {
        task.cancel()
    }

    struct ReceiverError: Error { let message: String }

    /// Runs `router` on 127.0.0.1 at a free port; returns the server's task and the port once it listens.
    static func serve(_ router: Router<BasicRequestContext>, what: String) async throws -> (Task<Void, any Error>, Int) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        let task = Task { try await app.run() }
        var started = 0
        for await port in stream {
            started = port
            break
        }
        guard started > 0 else {
            task.cancel()
            throw ReceiverError(message: "\(what) did not start")
        }
        return (task, started)
    }
}

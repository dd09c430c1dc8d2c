import DispatchOperations
import Foundation
import Hummingbird
import NIOCore

/// A webhook endpoint stand-in: a real HTTP server on 127.0.0.1 taking `POST /hooks`, which
/// checks each request's Standard Webhooks signature with the endpoint's secret, records it, and
/// answers 503 to every `failEvery`-th request.
public final class WebhookReceiver: Sendable {
    /// One request as the receiver saw it.
    public struct Request: Sendable {
        public let id: String
        public let type: String
        public let signed: Bool
        public let status: Int
        public let body: Data
    }

    final class Log: @unchecked Sendable {
        // Guarded by `lock`.
        private let lock = NSLock()
        private var requests: [Request] = []
        private var count = 0
        var secret = ""

        func next() -> Int {
            lock.withLock {
                count += 1
                return count
            }
        }
        func append(_ request: Request) { lock.withLock { requests.append(request) } }
        var all: [Request] { lock.withLock { requests } }
        var key: String {
            get { lock.withLock { secret } }
            set { lock.withLock { secret = newValue } }
        }
    }

    private let log = Log()
    private let task: Task<Void, any Error>
    public let port: Int

    public init(failEvery: Int = 0) async throws {
        let log = self.log
        let router = Router()
        router.post("/hooks") { request, _ -> Response in
            let number = log.next()
            func header(_ name: String) -> String { request.headers.first { $0.name.canonicalName == name }?.value ?? "" }
            let body = Data(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            let id = header("webhook-id")
            let signed = WebhookSignature.verify(
                secret: log.key, id: id, timestamp: Int(header("webhook-timestamp")) ?? -1, body: body, header: header("webhook-signature"))
            let type = ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["type"] as? String ?? ""
            let status: HTTPResponse.Status =
                !signed ? .unauthorized : failEvery > 0 && number % failEvery == 0 ? .serviceUnavailable : .noContent
            log.append(Request(id: id, type: type, signed: signed, status: Int(status.code), body: body))
            return Response(status: status)
        }
        (task, port) = try await NoticeReceiver.serve(router, what: "the webhook receiver")
    }

    /// The endpoint's signing secret, once it was added.
    public var secret: String {
        get { log.key }
        set { log.key = newValue }
    }

    public var url: String { "http://127.0.0.1:\(port)/hooks" }

    /// Every request received, in arrival order.
    public var requests: [Request] { log.all }

    public func stop() { task.cancel() }
}

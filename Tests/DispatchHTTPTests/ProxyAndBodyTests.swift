import DispatchHTTP
import DispatchTestSupport
import Foundation
import Testing

/// Behind the reverse proxy the runbook sets up every connection comes from the proxy: the
/// failed-authentication limit must be kept per real client, read from `Forwarded` or
/// `X-Forwarded-For` of trusted proxies only. A body trickled byte by byte is cut off.
@Suite("Proxies and slow bodies", .serialized, .tags(.slow))
struct ProxyAndBodyTests {
    static let day = "date=2026-11-23"

    @Test("Trusted proxy: one client's bad tokens lock out that client only; a spoofed left-hand entry does not escape")
    func limitPerClient() async throws {
        let proxies: (inout DispatchServer.Settings) -> Void = {
            $0.trustedProxies = TrustedProxies([IPNetwork("127.0.0.1")!, IPNetwork("10.0.0.0/8")!])
        }
        try await APIHarness.with(.sqlite, transport: .socket, configure: proxies) { api in
            let attacker = ["X-Forwarded-For": "203.0.113.7"]
            // Ten failures at once, then one more every 6 s: on a loaded machine a request may take
            // that long, so send until the attacker is refused.
            var statuses: [Int] = []
            while statuses.last != 429 && statuses.count < 40 {
                statuses.append(try await api.request("GET", "/v1/me/agenda?\(Self.day)", as: .revoked, headers: attacker).status)
            }
            #expect(statuses.count >= 11 && statuses.last == 429, "\(statuses)")
            // Another client behind the same proxy (and one more proxy hop, trusted) is not locked out.
            for header in [
                ["X-Forwarded-For": "198.51.100.9"], ["X-Forwarded-For": "198.51.100.9, 10.1.2.3"],
                ["Forwarded": "for=\"[2001:db8::17]:4711\";proto=https"],
            ] {
                #expect(try await api.request("GET", "/v1/me/agenda?\(Self.day)", headers: header).status == 200, "\(header)")
            }
            // The attacker writing another address to the left: the proxy appended the real one on
            // the right, so the attempts count against the attacker (a fresh client would get ten 401s).
            var spoofed: [Int] = []
            for _ in 0..<3 {
                spoofed.append(
                    try await api.request(
                        "GET", "/v1/me/agenda?\(Self.day)", as: .revoked, headers: ["X-Forwarded-For": "198.51.100.9, 203.0.113.7"]
                    ).status)
            }
            #expect(spoofed.contains(429), "\(spoofed)")
        }
    }

    @Test("Without a trusted proxy the headers are ignored: the connection's address is the client")
    func untrustedHeadersIgnored() async throws {
        try await APIHarness.with(.sqlite, transport: .socket) { api in
            // Bad tokens "from" ever new addresses until the connection's address is refused (one
            // more attempt comes every 6 s: a loaded machine may need more than ten), then at once
            // a good token "from" yet another: refused too. Tried again should a refill fall between.
            var other = 0
            for _ in 0..<5 where other != 429 {
                var last = 0
                var index = 0
                while last != 429 && index < 40 {
                    last = try await api.request(
                        "GET", "/v1/me/agenda?\(Self.day)", as: .revoked, headers: ["X-Forwarded-For": "203.0.113.\(index)"]
                    ).status
                    index += 1
                }
                other = try await api.request("GET", "/v1/me/agenda?\(Self.day)", headers: ["X-Forwarded-For": "198.51.100.9"]).status
            }
            #expect(other == 429)
        }
    }

    @Test("A body trickled a byte at a time gets 408 once the body time has passed, and the connection is closed")
    func trickledBody() async throws {
        let quick: (inout DispatchServer.Settings) -> Void = { $0.bodySeconds = 2 }
        try await APIHarness.with(.sqlite, transport: .socket, configure: quick) { api in
            let token = try #require(api.tokens[.technician])
            let body = #"{"state": "en_route"}"#
            let head =
                "POST /v1/me/orders/WO-A/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            let exchange = try await Trickle.exchange(port: api.port, head: head, body: body, every: 0.5, wait: 30)
            #expect(exchange.text.hasPrefix("HTTP/1.1 408"), "\(exchange.text.prefix(200))")
            #expect(exchange.closed && exchange.seconds < 9, "closed \(exchange.closed) after \(exchange.seconds) s")
            // The order was not touched; a whole body is still taken.
            #expect(try await api.post("/v1/me/orders/WO-A/status", json: body).status == 200)
        }
    }
}

/// Headers at once, then the body one byte every `every` seconds on a thread of its own, while
/// the answer is read: what a slow or hostile phone sends.
enum Trickle {
    static func exchange(port: Int, head: String, body: String, every: Double, wait: Double) async throws -> RawHTTP.Exchange {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try blocking(port: port, head: head, body: body, every: every, wait: wait) })
            }
        }
    }

    static func blocking(port: Int, head: String, body: String, every: Double, wait: Double) throws -> RawHTTP.Exchange {
        let descriptor = try RawHTTP.connected(port: port, wait: wait)
        // The sender thread writes under this lock and stops once the socket is closed under it
        // (a closed descriptor's number may be reused by the process at once).
        let guardian = SocketGuard()
        defer { guardian.closing { close(descriptor) } }
        let start = Date()
        _ = head.withCString { send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        let sender = Thread {
            for byte in Array(body.utf8) {
                // the trickle under test: one byte per interval
                Thread.sleep(forTimeInterval: every)
                var value = byte
                let sent = guardian.ifOpen { send(descriptor, &value, 1, Int32(MSG_NOSIGNAL)) } ?? -1
                if sent < 0 { return }
            }
        }
        sender.start()
        return RawHTTP.receive(descriptor, since: start)
    }
}

final class SocketGuard: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var closed = false

    func ifOpen<T>(_ body: () -> T) -> T? { lock.withLock { closed ? nil : body() } }

    func closing(_ body: () -> Void) {
        lock.withLock {
            closed = true
            body()
        }
    }
}

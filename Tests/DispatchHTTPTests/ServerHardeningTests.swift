import DispatchTestSupport
import Foundation
import Testing

/// Bytes straight onto a socket, for what URLSession will not send: broken chunking, a declared
/// body that never comes, a connection that says nothing.
enum RawHTTP {
    struct Exchange {
        let text: String
        /// The server closed the connection (rather than the wait running out).
        let closed: Bool
        let seconds: Double
    }

    /// Runs the blocking socket calls on a thread of their own: blocking a thread of Swift's
    /// cooperative pool (two on two cores) would starve the in-process server it talks to.
    static func exchange(port: Int, _ bytes: String, wait: Double) async throws -> Exchange {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try blockingExchange(port: port, bytes, wait: wait) })
            }
        }
    }

    /// A socket connected to 127.0.0.1:`port` whose reads wait at most `wait` seconds.
    static func connected(port: Int, wait: Double) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSetupError(message: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw TestSetupError(message: "connect: \(errno)")
        }
        var timeout = timeval(tv_sec: Int(wait), tv_usec: Int((wait - wait.rounded(.down)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }

    /// Everything the server sends until it closes the connection or `wait` passes without a byte.
    static func receive(_ descriptor: Int32, since start: Date) -> Exchange {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var closed = false
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                received += buffer[0..<count]
                continue
            }
            closed = count == 0 || errno == ECONNRESET
            break
        }
        return Exchange(text: String(decoding: received, as: UTF8.self), closed: closed, seconds: Date().timeIntervalSince(start))
    }

    static func blockingExchange(port: Int, _ bytes: String, wait: Double) throws -> Exchange {
        let descriptor = try connected(port: port, wait: wait)
        defer { close(descriptor) }
        let start = Date()
        if !bytes.isEmpty { _ = bytes.withCString { send(descriptor, $0, strlen($0), 0) } }
        return receive(descriptor, since: start)
    }
}

/// The server in production (issue 16): every method and every broken request answered with a
/// problem, connections that say nothing closed, failed authentications slowed down.
@Suite("Server hardening", .serialized, .tags(.slow))
struct ServerHardeningTests {
    static let day = "date=2026-11-23"

    @Test("HEAD wherever GET is; 405 with Allow for a known path asked with another method; 404 otherwise")
    func methods() async throws {
        try await APIHarness.with(.sqlite, transport: .socket) { api in
            let head = try await api.request("HEAD", "/v1/me/agenda?\(Self.day)")
            #expect(head.status == 200 && head.body.isEmpty && head.header("ETag") != nil)
            #expect(try await api.request("HEAD", "/healthz", as: .none).status == 200)
            let delete = try await api.request("DELETE", "/v1/me/agenda?\(Self.day)")
            #expect(delete.status == 405 && delete.header("Allow") == "GET, HEAD")
            #expect(delete.header("Content-Type") == "application/problem+json")
            let put = try await api.request("PUT", "/v1/me/orders/WO-A/status", body: Data("{}".utf8))
            #expect(put.status == 405 && put.header("Allow") == "POST")
            #expect(try await api.request("DELETE", "/v1/nothing/here").status == 404)
        }
    }

    @Test("A body the parser cannot read, a look-alike media type and a huge declared length get 4xx problems")
    func brokenBodies() async throws {
        // A long idle timeout: a connection closed well before it was closed for the 413, however loaded the machine.
        try await APIHarness.with(.sqlite, transport: .socket, idleTimeoutSeconds: 600) { api in
            let token = try #require(api.tokens[.technician])
            let head = "POST /v1/me/orders/WO-A/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
            let chunk = try await RawHTTP.exchange(
                port: api.port, head + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                wait: 120)
            #expect(chunk.text.hasPrefix("HTTP/1.1 400") && chunk.text.contains("application/problem+json"), "\(chunk.text.prefix(300))")
            let jsonx = try await api.request(
                "POST", "/v1/me/orders/WO-A/status", body: Data(#"{"state":"en_route"}"#.utf8),
                contentType: "application/jsonx")
            #expect(jsonx.status == 415)
            let huge = try await RawHTTP.exchange(
                port: api.port, head + "Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{", wait: 300)
            #expect(huge.text.hasPrefix("HTTP/1.1 413"), "\(huge.text.prefix(200))")
            #expect(huge.closed && huge.seconds < 290, "the connection stayed open after 413 (\(huge.seconds) s)")
        }
    }

    @Test("A connection that sends nothing, or stops inside its headers, is closed after the idle timeout")
    func silentConnectionsClose() async throws {
        try await APIHarness.with(.sqlite, transport: .socket, idleTimeoutSeconds: 1) { api in
            let silent = try await RawHTTP.exchange(port: api.port, "", wait: 20)
            #expect(
                silent.closed && silent.seconds >= 0.9 && silent.seconds < 15, "silent: closed \(silent.closed) after \(silent.seconds) s")
            let partial = try await RawHTTP.exchange(port: api.port, "GET /healthz HTTP/1.1\r\nHo", wait: 20)
            #expect(partial.closed && partial.seconds < 15, "partial: closed \(partial.closed) after \(partial.seconds) s")
            // The server still answers.
            #expect(try await api.request("GET", "/healthz", as: .none).status == 200)
        }
    }

    @Test("Failed authentications from one address are slowed down: after ten, 429 even for a good token")
    func failedLoginsAreLimited() async throws {
        try await APIHarness.with(.sqlite, transport: .socket) { api in
            var statuses: [Int] = []
            let started = Date()
            for _ in 0..<12 { statuses.append(try await api.request("GET", "/v1/me/agenda?\(Self.day)", as: .revoked).status) }
            let good = try await api.request("GET", "/v1/me/agenda?\(Self.day)")
            // One more attempt is allowed every 6 seconds: on a machine so loaded that the requests
            // took that long, one later attempt may be let through (and then refused, 401).
            let refills = Int(Date().timeIntervalSince(started) / 6)
            // (Seen in a full local run at load 7: the eleventh already got a refill.)
            #expect(statuses.prefix(10).allSatisfy { $0 == 401 }, "\(statuses)")
            let after = Array(statuses.dropFirst(10)) + [good.status]
            let through = after.filter { $0 != 429 }.count
            #expect(through <= refills, "\(statuses) then \(good.status), \(refills) refills in the time taken")
            // The case occurred: refused at least once, unless the machine was slow enough to refill every attempt.
            #expect(after.contains(429) || refills >= after.count, "\(statuses) then \(good.status)")
            if good.status == 429 { #expect(Int(good.header("Retry-After") ?? "") ?? 0 >= 1) }
        }
    }
}

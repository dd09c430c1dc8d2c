import DispatchOperations
import DispatchStore
import DispatchStorePostgres
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A Server-Sent Events client on a plain socket: the test reads the stream as it arrives. Its
/// blocking reads run on a thread of their own (`RawHTTP.exchange` says why).
final class StreamReader: @unchecked Sendable {
    // Invariant behind @unchecked Sendable: `buffer` is touched by one read at a time (the test awaits each).
    private let socket: Int32
    private var buffer = ""

    init(port: Int, path: String, headers: [String: String]) throws {
        socket = try RawHTTP.connected(port: port, wait: 0.2)
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers.map { "\($0): \($1)\r\n" }.joined() + "\r\n"
        _ = request.withCString { send(socket, $0, strlen($0), 0) }
    }

    deinit { close(socket) }

    /// Reads until the text received so far contains `needle`, or `seconds` pass; the text read.
    func read(until needle: String, seconds: Double) async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.blockingRead(until: needle, seconds: seconds)) }
        }
    }

    private func blockingRead(until needle: String, seconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while !buffer.contains(needle) {
            guard Date() < deadline else { return nil }
            let count = recv(socket, &chunk, chunk.count, 0)
            if count > 0 { buffer += String(decoding: chunk[0..<count], as: UTF8.self) }
            if count == 0 { return buffer.contains(needle) ? buffer : nil }
        }
        return buffer
    }
}

/// The live board's stream (`GET /v1/days/{date}/stream`): each committed change of the day is an
/// SSE event, resumed with Last-Event-ID; on PostgreSQL a commit is notified (LISTEN/NOTIFY).
@Suite("The day's live stream", .serialized)
struct DayStreamTests {
    @Test(
        "A status report made elsewhere reaches the day's open stream; Last-Event-ID resumes after it; a technician is refused",
        arguments: Backend.all)
    func liveAndResumed(_ backend: Backend) async throws {
        try await APIHarness.with(backend, transport: .socket) { api in
            let dispatcher = try #require(api.tokens[.dispatcher])
            let auth = ["Authorization": "Bearer \(dispatcher)"]
            #expect(try await api.request("GET", "/v1/days/2026-11-23/stream", as: .technician).status == 403)
            #expect(try await api.request("GET", "/v1/days/23-11-2026/stream", as: .dispatcher).status == 400)
            let before = try await api.operations.lastEventNumber()
            let stream = try StreamReader(port: api.port, path: "/v1/days/2026-11-23/stream", headers: auth)
            let opened = try #require(await stream.read(until: "id: \(before)\n\n", seconds: 10))
            #expect(opened.contains("HTTP/1.1 200") && opened.lowercased().contains("content-type: text/event-stream"))
            // The technician reports through the API (another request, another transaction).
            let agenda = try await api.request("GET", "/v1/me/agenda?date=2026-11-23")
            let order = try #require((agenda.object["visits"] as? [[String: Any]])?.first?["order"] as? String)
            let reported = Date()
            #expect(try await api.post("/v1/me/orders/\(order)/status", json: #"{"state": "en_route"}"#).status == 200)
            let seen = try #require(await stream.read(until: "event: fielddispatch.order.en_route", seconds: 10))
            let took = Date().timeIntervalSince(reported)
            #expect(took < 10)
            #expect(seen.contains(#""subject":"\#(order)""#))
            // A board that lost its connection resumes after the last id it saw: the change again, at once.
            let resumed = try StreamReader(
                port: api.port, path: "/v1/days/2026-11-23/stream", headers: auth.merging(["Last-Event-ID": String(before)]) { $1 })
            #expect(await resumed.read(until: "event: fielddispatch.order.en_route", seconds: 10) != nil)
            // Another day's stream hears nothing of it.
            let other = try StreamReader(
                port: api.port, path: "/v1/days/2026-11-24/stream", headers: auth.merging(["Last-Event-ID": String(before)]) { $1 })
            #expect(await other.read(until: "\n\n", seconds: 10) != nil)
            #expect(await other.read(until: "event: ", seconds: 1.5) == nil)
        }
    }

    @Test("On PostgreSQL a commit that writes events is notified to a listener at once, whichever connection made it")
    func notifiedOnCommit() async throws {
        guard Backend.all.contains(.postgresql) else { return }
        try await TestDatabase.with(.postgresql) { database in
            _ = try await database.store.migrate()
            let heard = AsyncStream.makeStream(of: String?.self)
            let listener = PostgresListener(conninfo: database.url, channel: StoreTransaction.eventChannel) { heard.continuation.yield($0) }
            listener.start()
            defer { listener.stop() }
            var iterator = heard.stream.makeAsyncIterator()
            #expect(await iterator.next() == .some(nil))  // listening
            try await database.store.transaction { tx in
                tx.emit("fielddispatch.test", subject: nil, at: Instant(secondsSinceEpoch: 0)) { _ in [:] }
            }
            let payload = try #require(await iterator.next())
            let number = try await database.store.readTransaction { try $0.lastEventNumber() }
            // (Other tests' schemas notify the same channel: a payload of ours is among those heard.)
            var payloads = [payload]
            while !payloads.contains(String(number)), let next = await iterator.next() { payloads.append(next) }
            #expect(payloads.contains(String(number)))
        }
    }
}

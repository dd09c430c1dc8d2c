import DispatchOperations
import DispatchStore
import Foundation
import HTTPTypes
import Hummingbird
import SchedulingCore
import ServiceLifecycle
import Synchronization

/// `GET /v1/days/{date}/stream`: the day's events as Server-Sent Events (docs/browser.md), for
/// the dispatcher's live board. Each event of the feed that belongs to the day (a status, a
/// published version, a booking, a manual change, an order changed) is one SSE event: `id` its
/// feed number, `event` its type, `data` its CloudEvents envelope. `Last-Event-ID` (the browser
/// sends it when it reconnects) or `?after=` resumes after that number; without either the
/// stream starts at the present. A comment every 10 s keeps proxies from closing a quiet stream;
/// the server ends a stream after `streamMinutes` (the browser reconnects and resumes).
extension DispatchServer {
    static let streamMinutes = 5

    func dayStream(_ day: LocalDate, _ request: Request) async throws -> Response {
        let after: String? = request.uri.queryParameters.get("after").map { String($0) }
        let given: String? = request.headers[.lastEventID] ?? after
        let start: Int
        if let given {
            guard let number = Int(given.trimmingCharacters(in: .whitespaces)), number >= 0 else {
                throw Problem.badRequest("Last-Event-ID (or after) is a number an earlier event's id gave")
            }
            start = number
        } else {
            start = try await operations.lastEventNumber()
        }
        let operations = operations
        let watch = eventWatch
        let body = ResponseBody { writer in
            var cursor = start
            let ends = ContinuousClock.now.advanced(by: .seconds(Self.streamMinutes * 60))
            try await writer.write(ByteBuffer(string: "retry: 2000\nid: \(cursor)\n\n"))
            // A server shutting down ends its streams at once (the browsers reconnect to another
            // instance, or to this one when it is back), rather than waiting for them to end.
            let stopping = Mutex(false)
            try await withGracefulShutdownHandler {
                while ContinuousClock.now < ends, !stopping.withLock({ $0 }) {
                    let (events, through) = try await operations.dayEvents(on: day, after: cursor)
                    try await writer.write(ByteBuffer(string: Self.sse(events, cursor: cursor, through: through)))
                    cursor = through
                    if events.count < 500, !stopping.withLock({ $0 }) { await watch.wait(after: cursor, timeout: .seconds(10)) }
                }
            } onGracefulShutdown: {
                stopping.withLock { $0 = true }
                watch.wakeAll()
            }
            try await writer.finish(nil)
        }

        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", .xAccelBuffering: "no",
            ], body: body)
    }
}

extension DispatchServer {
    /// The SSE text of a read of the day's events: each event, then the resume point when
    /// other days' events moved the feed on, or a comment that keeps a quiet stream open.
    static func sse(_ events: [FeedEvent], cursor: Int, through: Int) -> String {
        var text = ""
        for event in events { text += "id: \(event.seq)\nevent: \(event.type)\ndata: \(event.cloudEvent.text())\n\n" }
        if through > (events.last?.seq ?? cursor) { text += "id: \(through)\n\n" }
        return text.isEmpty ? ": waiting\n\n" : text
    }
}

extension HTTPField.Name {
    static let lastEventID = Self("Last-Event-ID")!
    static let xAccelBuffering = Self("X-Accel-Buffering")!
}

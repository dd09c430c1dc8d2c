import Foundation
import SchedulingCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The HTTP side the OSRM and Valhalla clients share: each request bounded in time and size
/// (`RoutingLimits`), and what a failed exchange means in words.
struct RoutingHTTP: Sendable {
    let limits: RoutingLimits

    /// The body and status of `request`. A network failure is tried twice more (after 0.5 and
    /// 1 s), then is a `RoutingError` naming the host; an answer over the size limit or not done
    /// within the request's time is one at once (asking again would only repeat it). An answer of
    /// any status is returned as it is (the engine's error codes are the caller's to explain).
    func exchange(_ request: URLRequest, engine: String) async throws -> (status: Int, body: Data) {
        var delay = 0.5
        let host = request.url?.host ?? "?"
        for attempt in 1...3 {
            do {
                let limits = self.limits
                return try await RoutingLimits.within(limits.requestSeconds, "an answer of \(engine) at \(host)") {
                    try await BoundedDownload(request: request, limit: limits.maxResponseBytes, seconds: limits.requestSeconds).run()
                }
            } catch let error as RoutingError {
                throw error
            } catch is BoundedDownload.TimedOut {
                // (The download's own timer: it fires even when every Swift task thread is busy.)
                throw RoutingError(
                    "an answer of \(engine) at \(host) did not come within \(RoutingLimits.seconds(limits.requestSeconds)) "
                        + "(the limit; see docs/roads.md, \"Limits\")")
            } catch let error as BoundedDownload.TooLarge {
                throw RoutingError(
                    "\(engine) at \(host) sent an answer of more than \(error.limit >> 20) MiB\(error.declared ? " (declared)" : "") "
                        + "(the limit; see docs/roads.md, \"Limits\")")
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if attempt == 3 {
                    throw RoutingError("cannot reach \(engine) at \(host) (3 tries): \(error.localizedDescription)")
                }
                try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                delay *= 2
            }
        }
        throw RoutingError("cannot reach \(engine)")
    }

    /// A JSON body decoded as `T`; nil when it is not JSON of that shape.
    static func decode<T: Decodable>(_ type: T.Type, _ body: Data) -> T? { try? JSONDecoder().decode(type, from: body) }

    /// Why `body` is not a `T`, in a few words with the path of the bad field ("durations[3][7]:
    /// expected a number or null").
    static func shapeError<T: Decodable>(_ type: T.Type, _ body: Data) -> String {
        do {
            _ = try JSONDecoder().decode(type, from: body)
            return "no error"
        } catch DecodingError.typeMismatch(let type, let context) {
            return "\(path(context.codingPath)): expected \(kind(type))"
        } catch DecodingError.valueNotFound(let type, let context) {
            return "\(path(context.codingPath)): null where \(kind(type)) belongs"
        } catch DecodingError.keyNotFound(let key, let context) {
            return "\(path(context.codingPath + [key])) is missing"
        } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
            return "\(path(context.codingPath)): \(context.debugDescription.prefix(80))"
        } catch {
            return "not JSON (\(body.count) bytes)"
        }
    }

    /// A Swift type as a JSON value's kind, in words.
    private static func kind(_ type: Any.Type) -> String {
        if type == Double.self || type == Int.self { return "a number or null" }
        if type == String.self { return "a text" }
        let name = String(describing: type)
        if name.hasPrefix("Array") || name.hasPrefix("[") { return "a list" }
        return "an object"
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
}

/// One request whose body is read as it arrives and stopped past `limit` bytes (counted after
/// the transfer's decompression), and whose task is cancelled with the Swift task that awaits it.
final class BoundedDownload: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `lock`; URLSession calls the delegate on its queue.
    struct TooLarge: Error {
        let limit: Int
        let declared: Bool
    }

    /// The answer did not end within the time given.
    struct TimedOut: Error {}

    private let request: URLRequest
    private let limit: Int
    /// Time to the last byte, kept by a timer on a queue of its own (not on Swift's task
    /// threads, which a busy process may have all blocked).
    private let seconds: Double
    private let timer: DispatchSourceTimer
    private let lock = NSLock()
    private var body = Data()
    private var status = 0
    private var continuation: CheckedContinuation<(status: Int, body: Data), any Error>?
    private var task: URLSessionDataTask?
    private var finished = false

    init(request: URLRequest, limit: Int, seconds: Double = 3600) {
        self.request = request
        self.limit = limit
        self.seconds = seconds
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "fielddispatch.routing.deadline"))
        super.init()
        // Resumed at once (a suspended source must never be released), armed by `run`.
        timer.setEventHandler { [weak self] in self?.finish(.failure(TimedOut())) }
        timer.schedule(deadline: .distantFuture)
        timer.resume()
    }

    deinit { timer.cancel() }

    func run() async throws -> (status: Int, body: Data) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 3600
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let task = session.dataTask(with: request)
                let cancelled = lock.withLock {
                    self.continuation = continuation
                    self.task = task
                    return Task.isCancelled
                }
                if cancelled {
                    finish(.failure(CancellationError()))
                } else {
                    timer.schedule(deadline: .now() + seconds)
                    task.resume()
                }
            }
        } onCancel: {
            finish(.failure(CancellationError()))
        }
    }

    private func finish(_ result: Result<(status: Int, body: Data), any Error>) {
        let (continuation, task) = lock.withLock {
            () -> (CheckedContinuation<(status: Int, body: Data), any Error>?, URLSessionDataTask?) in
            guard !finished, let continuation = self.continuation else { return (nil, nil) }
            finished = true
            self.continuation = nil
            return (continuation, self.task)
        }
        guard let continuation else { return }
        timer.cancel()
        if case .failure = result { task?.cancel() }
        continuation.resume(with: result)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        let declared = http?.value(forHTTPHeaderField: "Content-Length").flatMap { Int($0) }
        let encoded = http?.value(forHTTPHeaderField: "Content-Encoding").map { !$0.isEmpty && $0 != "identity" } ?? false
        lock.withLock { status = http?.statusCode ?? 0 }
        // A plain body declared too big is refused before a byte of it is read.
        if let declared, !encoded, declared > limit {
            completionHandler(.cancel)
            finish(.failure(TooLarge(limit: limit, declared: true)))
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over = lock.withLock { () -> Bool in
            guard !finished else { return false }
            if body.count + data.count > limit { return true }
            body.append(data)
            return false
        }
        if over { finish(.failure(TooLarge(limit: limit, declared: false))) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error {
            finish(.failure(error))
        } else {
            let (status, body) = lock.withLock { (self.status, self.body) }
            finish(.success((status, body)))
        }
    }
}

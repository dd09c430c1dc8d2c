import DispatchStore
import Foundation
import SchedulingCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Where notices are delivered. `deliver` returns only once the receiver has the notice (an HTTP
/// 2xx, or a line written and flushed to disk); it throws when it does not.
public protocol NoticeSink: Sendable {
    func deliver(_ notice: StoredNotice) async throws
}

/// A delivery that failed, with the reason to store on the notice (never its body).
public struct DeliveryFailure: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// False when trying again cannot help (the receiver refused the notice itself).
    public let retryable: Bool
    public var description: String { message }
}

/// `--sink URL`: `file:PATH`, `http://…` or `https://…`.
public enum NoticeSinks {
    public static func make(_ text: String, retry: RetryPolicy = RetryPolicy()) throws -> any NoticeSink {
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw OperationError.badInput("a file sink needs a path, e.g. file:notices.jsonl") }
            return try FileNoticeSink(path: path)
        }
        if let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil {
            return HTTPNoticeSink(url: url, retry: retry)
        }
        throw OperationError.badInput("the notice sink '\(text)' is not file:PATH, http://HOST/PATH or https://HOST/PATH")
    }
}

/// How often and how patiently a failed HTTP delivery is tried again.
public struct RetryPolicy: Sendable {
    public var attempts: Int
    public var firstDelaySeconds: Double
    public var timeoutSeconds: Double

    public init(attempts: Int = 6, firstDelaySeconds: Double = 0.2, timeoutSeconds: Double = 10) {
        self.attempts = attempts
        self.firstDelaySeconds = firstDelaySeconds
        self.timeoutSeconds = timeoutSeconds
    }
}

/// POSTs each notice's JSON body with an `Idempotency-Key` header; a 2xx acknowledges it.
/// Network errors, timeouts, 408, 429 and 5xx are tried again with exponential backoff.
public struct HTTPNoticeSink: NoticeSink {
    public let url: URL
    public let retry: RetryPolicy
    private let session: URLSession

    public init(url: URL, retry: RetryPolicy = RetryPolicy()) {
        self.url = url
        self.retry = retry
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = retry.timeoutSeconds
        configuration.httpMaximumConnectionsPerHost = 8
        session = URLSession(configuration: configuration)
    }

    public func deliver(_ notice: StoredNotice) async throws {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(notice.draft.key, forHTTPHeaderField: "Idempotency-Key")
        request.httpBody = Data(notice.draft.body.utf8)
        var delay = retry.firstDelaySeconds
        var last = DeliveryFailure(message: "not tried", retryable: true)
        for attempt in 1...max(1, retry.attempts) {
            do {
                let (_, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) { return }
                let retryable = status == 408 || status == 429 || status >= 500
                last = DeliveryFailure(message: "HTTP \(status) from \(url.host ?? "receiver")", retryable: retryable)
                if !retryable { throw last }
            } catch let failure as DeliveryFailure {
                throw failure
            } catch {
                last = DeliveryFailure(message: "cannot reach \(url.host ?? "receiver"): \(error.localizedDescription)", retryable: true)
            }
            if attempt < retry.attempts {
                try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                delay *= 2
            }
        }
        throw last
    }
}

/// Appends one JSON object per line. A key already in the file is never written again, so a
/// run killed between writing and marking the notice sent does not duplicate it.
///
/// The file must be a regular file (a symbolic link, device or pipe is refused). Each line is
/// appended whole or not at all: a write that fails part-way is cut back to where it began, so
/// the file never holds half a line from this sink.
public actor FileNoticeSink: NoticeSink {
    private let descriptor: Int32
    private var written: Set<String>
    public let path: String

    public init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
            throw OperationError.badInput("cannot open notice file \(path) for appending: \(reason)")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw OperationError.badInput("notice file \(path) is not a regular file")
        }
        self.descriptor = descriptor
        let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        var keys = Set<String>()
        for line in data.split(separator: UInt8(ascii: "\n")) {
            if let key = (try? JSONValue(parsing: Data(line)))?["idempotency_key"]?.string {
                keys.insert(key)
            }
        }
        written = keys
        // A line cut short by another writer's crash is completed so the next one starts on its own line.
        if let last = data.last, last != UInt8(ascii: "\n") { _ = Self.append(Data("\n".utf8), to: descriptor) }
    }

    deinit { close(descriptor) }

    public func deliver(_ notice: StoredNotice) async throws {
        guard !written.contains(notice.draft.key) else { return }
        if let failure = Self.append(Data((notice.draft.body + "\n").utf8), to: descriptor) {
            throw DeliveryFailure(message: "cannot write \(path): \(failure)", retryable: true)
        }
        written.insert(notice.draft.key)
    }

    /// Appends `data` and flushes it to disk; on failure cuts the file back to its length before
    /// and returns the reason.
    static func append(_ data: Data, to descriptor: Int32) -> String? {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return String(cString: strerror(errno)) }
        let before = status.st_size
        var failure: String?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += count
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        if failure != nil { _ = ftruncate(descriptor, before) }
        return failure
    }
}

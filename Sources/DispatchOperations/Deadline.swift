import Foundation

/// A wait with a time limit that does not depend on the work noticing cancellation: when the
/// time passes first, the caller goes on at once and the work is cancelled and left to end
/// (a request body stops when its connection is closed; a routing request when its task is
/// cancelled). The one time limit of the server's request bodies and the routing engines.
public enum Deadline {
    public struct Passed: Error {}

    public static func first<T: Sendable>(_ seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let once = Once<T>()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            let work = Task {
                do {
                    once.resume(.success(try await work()))
                } catch {
                    once.resume(.failure(error))
                }
            }
            let timer = Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                if once.resume(.failure(Passed())) { work.cancel() }
            }
            // Done in time: the timer's sleep ends now instead of holding a task for `seconds`.
            Task {
                _ = await work.result
                timer.cancel()
            }
        }
    }

    /// A continuation resumed once, by whichever comes first.
    final class Once<T: Sendable>: @unchecked Sendable {
        // Guarded by `lock`.
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, any Error>?

        func set(_ continuation: CheckedContinuation<T, any Error>) { lock.withLock { self.continuation = continuation } }

        @discardableResult
        func resume(_ result: Result<T, any Error>) -> Bool {
            guard
                let continuation = lock.withLock({ () -> CheckedContinuation<T, any Error>? in
                    defer { self.continuation = nil }
                    return self.continuation
                })
            else { return false }
            continuation.resume(with: result)
            return true
        }
    }
}

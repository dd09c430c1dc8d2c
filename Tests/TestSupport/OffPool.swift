import Foundation

/// Runs `body`, which blocks its thread (waiting for a child process, reading a pipe to its end),
/// on a thread of its own. Blocking one of Swift's cooperative threads (two on two cores) instead
/// would starve every other test of the run, servers in this process included: a full local run
/// at load 7 saw a test wait 107 s for a thread.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// A child process handed to another thread to be waited for.
private struct Waited: @unchecked Sendable {
    let process: Process
}

extension Process {
    /// `waitUntilExit`, waited for off the cooperative pool (see `offPool`).
    public func exited() async {
        let waited = Waited(process: self)
        _ = try? await offPool { waited.process.waitUntilExit() }
    }
}

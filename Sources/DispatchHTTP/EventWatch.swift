import DispatchOperations
import Foundation
import Synchronization

/// The feed's last number as this server knows it, and the streams waiting for it to pass
/// theirs (`GET /v1/days/{date}/stream`). It learns of commits from PostgreSQL's NOTIFY when
/// the server listens (`notified`), whichever process committed; else — on SQLite, where CLI
/// commands write the file from other processes — by reading the number every `pollInterval`
/// while a stream waits. With notifications the reading goes on, rarely, as a safety net.
final class EventWatch: Sendable {
    private struct State {
        var latest = 0
        var waiters: [UUID: (after: Int, resume: CheckedContinuation<Void, Never>)] = [:]
        var polling = false
    }

    private let state = Mutex(State())
    private let operations: DispatchOperations
    let pollInterval: Duration

    init(operations: DispatchOperations, pollInterval: Duration) {
        self.operations = operations
        self.pollInterval = pollInterval
    }

    /// Returns once the feed has an event above `after`, after `timeout`, or when the task is
    /// cancelled (the server shutting down).
    func wait(after: Int, timeout: Duration) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await waiting(id, after: after, timeout: timeout)
        } onCancel: {
            self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume.resume()
        }
    }

    private func waiting(_ id: UUID, after: Int, timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            guard !Task.isCancelled else { return continuation.resume() }
            let poll = state.withLock { state -> Bool? in
                guard state.latest <= after else { return nil }
                state.waiters[id] = (after, continuation)
                defer { state.polling = true }
                return !state.polling
            }
            guard let poll else { return continuation.resume() }
            Task {
                if poll { await self.poll() }
            }
            Task {
                try? await Task.sleep(for: timeout)
                self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume.resume()
            }
        }
    }

    /// Wakes every waiting stream (the server is shutting down).
    func wakeAll() {
        let all = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.waiters = [:] }
            return state.waiters.values.map(\.resume)
        }
        for continuation in all { continuation.resume() }
    }

    /// A notification that some transaction wrote events (or that the listener is listening
    /// again after a lost connection). The number is read from this server's own feed rather
    /// than taken from the payload: another schema of the same database (another deployment, a
    /// test) notifies the same channel with numbers of its own.
    func notified(_ payload: String?) {
        guard state.withLock({ !$0.waiters.isEmpty }) else { return }
        Task { if let number = try? await operations.lastEventNumber() { advance(to: number) } }
    }

    private func advance(to number: Int) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard number > state.latest else { return [] }
            state.latest = number
            let due = state.waiters.filter { $0.value.after < number }
            for id in due.keys { state.waiters.removeValue(forKey: id) }
            return due.values.map(\.resume)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Reads the feed's last number every `pollInterval` while anyone waits.
    private func poll() async {
        while true {
            if let number = try? await operations.lastEventNumber() { advance(to: number) }
            let waiting = state.withLock { state -> Bool in
                if state.waiters.isEmpty { state.polling = false }
                return !state.waiters.isEmpty
            }
            guard waiting else { return }
            try? await Task.sleep(for: pollInterval)
        }
    }
}

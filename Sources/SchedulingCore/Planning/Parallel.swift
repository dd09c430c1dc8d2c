import Foundation

/// Independent work on several threads, its results in order.
public enum Parallel {
    /// `body(0..<count)` on `workers` threads (worker w takes w, w + workers, …), the results in
    /// index order: the same whatever the number of workers, when each `body(i)` depends on i alone.
    public static func map<T: Sendable>(_ count: Int, workers: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let workers = max(1, min(workers, count))
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        // Each index is written by one worker alone.
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: count, by: workers) { slots[index] = body(index) }
        }
        return results.map { $0! }
    }
}

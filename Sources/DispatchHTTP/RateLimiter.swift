import Foundation

/// A token bucket per API token: `burst` requests at once, refilled at `perSecond`.
actor RateLimiter {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let perSecond: Double
    let burst: Double
    private var buckets: [String: Bucket] = [:]
    private var calls = 0

    init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// Nil when the request may go ahead, else the seconds to wait before the next one.
    func admit(_ key: String) -> Int? {
        let now = ContinuousClock.now
        calls += 1
        if calls % 10_000 == 0 { forgetIdle(now) }
        var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
        let elapsed = bucket.updated.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        bucket.tokens = min(burst, bucket.tokens + seconds * perSecond)
        bucket.updated = now
        defer { buckets[key] = bucket }
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            return nil
        }
        return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
    }

    /// Nil when `key` has at least one request left, else the seconds until it has; takes nothing.
    func peek(_ key: String) -> Int? {
        guard let bucket = buckets[key] else { return nil }
        let elapsed = bucket.updated.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let tokens = min(burst, bucket.tokens + seconds * perSecond)
        return tokens >= 1 ? nil : max(1, Int(((1 - tokens) / perSecond).rounded(.up)))
    }

    /// Drops buckets that have refilled completely, so memory stays flat with many tokens.
    private func forgetIdle(_ now: ContinuousClock.Instant) {
        let full = burst / perSecond
        buckets = buckets.filter { _, bucket in
            let idle = bucket.updated.duration(to: now)
            return Double(idle.components.seconds) < full + 1
        }
    }
}

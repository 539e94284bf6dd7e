import Foundation

/// Slows down password guessing: after `limit` failures for one user from one address
/// within `window`, further attempts are refused until the window has passed.
actor LoginLimiter {
    private let limit: Int
    private let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    init(limit: Int = 5, window: TimeInterval = 300) {
        self.limit = limit
        self.window = window
    }

    /// Seconds to wait before trying again, or `nil` when an attempt may go ahead.
    func retryAfter(user: String, address: String, now: Date = Date()) -> Int? {
        let recent = prune(key(user, address), now)
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, Int((oldest.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
    }

    func recordFailure(user: String, address: String, now: Date = Date()) {
        failures[key(user, address), default: []].append(now)
        // Many different names or addresses must not grow this without bound.
        if failures.count > 10_000 {
            failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
        }
    }

    func recordSuccess(user: String, address: String) {
        failures[key(user, address)] = nil
    }

    private func prune(_ key: String, _ now: Date) -> [Date] {
        let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
        failures[key] = recent.isEmpty ? nil : recent
        return recent
    }

    private func key(_ user: String, _ address: String) -> String { "\(user)\u{1F}\(address)" }
}

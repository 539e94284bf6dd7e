import Foundation
import Synchronization

/// Bounds what clients without a credential can make the daemon write to the append-only trail: per minute, at
/// most `perAddress` entries from one address and `overall` in all. What goes over is counted, and summed up in
/// one entry when the minute is over, so that a flood shows in the trail without being the trail.
final class AnonymousAuditBudget: Sendable {
    struct Limits: Sendable {
        var perAddress = 30
        var overall = 300
        var window: TimeInterval = 60
    }

    private struct State {
        var windowStart = Date.distantPast
        var byAddress: [String: Int] = [:]
        var total = 0
        var suppressed = 0
    }

    private let limits: Limits
    private let state = Mutex(State())

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Whether an anonymous entry from `address` may be written now; and, when a window with entries left out
    /// has just ended, how many were left out (to be written as one entry).
    func admit(address: String, now: Date = Date()) -> (allowed: Bool, suppressedBefore: Int) {
        state.withLock { state in
            var suppressedBefore = 0
            if now.timeIntervalSince(state.windowStart) >= limits.window {
                suppressedBefore = state.suppressed
                state = State(windowStart: now)
            }
            let fromAddress = state.byAddress[address, default: 0]
            guard fromAddress < limits.perAddress, state.total < limits.overall else {
                state.suppressed += 1
                return (false, suppressedBefore)
            }
            // The map holds at most `overall` addresses: each counted one took a place in the total.
            state.byAddress[address] = fromAddress + 1
            state.total += 1
            return (true, suppressedBefore)
        }
    }
}

import Foundation

/// Slows down password guessing. An attempt is counted *before* its password is checked (bcrypt takes a quarter
/// of a second), so that concurrent guesses meet the limit too; a success takes its count back.
///
/// Limits, each within `window`: `perUser` attempts for one user from one address, `perAddress` from one address
/// whatever the names; and at most `inFlight` passwords checked at once across the daemon, which bounds the CPU an
/// anonymous client can spend. What it remembers is bounded: names are validated before they get here, and stale
/// entries are dropped when the map grows.
actor LoginLimiter {
    struct Limits: Sendable {
        var perUser = 5
        var perAddress = 30
        var inFlight = 8
        var window: TimeInterval = 300
    }

    private let limits: Limits
    private var attempts: [String: [Date]] = [:]
    private var checking = 0

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Counts an attempt and returns `nil` when it may go ahead, or the seconds to wait before trying again.
    /// Every admitted attempt must be `settle`d.
    func admit(user: String, address: String, now: Date = Date()) -> Int? {
        let userKey = Self.key(user, address)
        let addressKey = Self.key("", address)
        if let wait = wait(userKey, limits.perUser, now) ?? wait(addressKey, limits.perAddress, now) { return wait }
        guard checking < limits.inFlight else { return 1 }
        checking += 1
        attempts[userKey, default: []].append(now)
        attempts[addressKey, default: []].append(now)
        if attempts.count > 10_000 {
            attempts = attempts.filter { $0.value.contains { now.timeIntervalSince($0) < limits.window } }
        }
        return nil
    }

    /// Ends an admitted attempt; a success forgets the failures of that user from that address.
    func settle(user: String, address: String, succeeded: Bool) {
        checking -= 1
        guard succeeded else { return }
        attempts[Self.key(user, address)] = nil
        if var fromAddress = attempts[Self.key("", address)], !fromAddress.isEmpty {
            fromAddress.removeLast()
            attempts[Self.key("", address)] = fromAddress
        }
    }

    private func wait(_ key: String, _ limit: Int, _ now: Date) -> Int? {
        let recent = (attempts[key] ?? []).filter { now.timeIntervalSince($0) < limits.window }
        attempts[key] = recent.isEmpty ? nil : recent
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, Int(oldest.addingTimeInterval(limits.window).timeIntervalSince(now).rounded(.up)))
    }

    private static func key(_ user: String, _ address: String) -> String { "\(user)\u{1F}\(address)" }
}

import Hummingbird
import Scheduler
import Synchronization

/// The answers that stay open (live events, followed logs, `?wait=`), counted so that one credential cannot hold
/// the daemon's memory and the engine's fan-out hostage: at most `perPrincipal` each and `total` in all, past which
/// the answer is 429. Each open answer holds a `Lease`, given back when the answer ends however it ends.
final class OpenStreams: Sendable {
    let perPrincipal: Int
    let total: Int
    private let counts = Mutex<(byPrincipal: [String: Int], total: Int)>(([:], 0))

    init(perPrincipal: Int = 8, total: Int = 256) {
        self.perPrincipal = perPrincipal
        self.total = total
    }

    /// Streams open now.
    var count: Int { counts.withLock { $0.total } }

    /// A place for one more open answer of `principal`'s, or 429.
    func open(for principal: Principal) throws(APIError) -> Lease {
        let key = Self.key(principal)
        let admitted = counts.withLock { counts in
            guard counts.total < total, counts.byPrincipal[key, default: 0] < perPrincipal else { return false }
            counts.byPrincipal[key, default: 0] += 1
            counts.total += 1
            return true
        }
        guard admitted else {
            throw APIError.tooManyAttempts(
                "too many open streams (at most \(perPrincipal) for \(principal.name), \(total) in all); close some", retryAfter: 5)
        }
        return Lease(self, key)
    }

    fileprivate func close(_ key: String) {
        let none = counts.withLock { counts in
            counts.total -= 1
            counts.byPrincipal[key, default: 1] -= 1
            if counts.byPrincipal[key] == 0 { counts.byPrincipal[key] = nil }
            return counts.total == 0
        }
        // The last one closed: what the streams held goes back to the system (malloc keeps freed memory otherwise).
        if none { MemoryTrim.now() }
    }

    private static func key(_ principal: Principal) -> String {
        switch principal.kind {
        case .user: "user \(principal.name)"
        case .apiToken(let id): "token \(id)"
        case .local: "local"
        }
    }

    /// One open answer's place; given back once, when the answer ends (or, at the latest, when it is dropped).
    final class Lease: Sendable {
        private let streams: OpenStreams
        private let key: String
        private let open = Atomic<Bool>(true)

        fileprivate init(_ streams: OpenStreams, _ key: String) {
            self.streams = streams
            self.key = key
        }

        func close() {
            if open.exchange(false, ordering: .acquiringAndReleasing) { streams.close(key) }
        }

        deinit { close() }
    }
}


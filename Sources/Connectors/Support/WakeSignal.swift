import Synchronization

/// Wakes one waiting task early: a writer that sleeps until there is work or a deadline, whichever comes first.
/// A signal given while no one waits is kept for the next wait (so a wake may be early: the waiter looks for work
/// and waits again).
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next signal (at once if one came since the last wait), after `timeout`, or when cancelled.
    public func wait(upTo timeout: Duration) async {
        let timer = Task { [weak self] in
            // A timer cancelled because the wait ended must not signal: that would end the next wait at once.
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.signal()
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
    }
}

/// Exponential backoff with jitter: each wait about doubles up to `maximum`, drawn from its upper half so that
/// many clients do not retry in step.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var current: Duration

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
        current = initial
    }

    public mutating func next() -> Duration {
        let wait = current
        current = min(maximum, current * 2)
        let milliseconds = Double(wait.milliseconds)
        return .milliseconds(Int64(Double.random(in: (milliseconds / 2)...milliseconds)))
    }

    public mutating func reset() { current = initial }
}

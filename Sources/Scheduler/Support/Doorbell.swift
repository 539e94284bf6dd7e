import Synchronization

/// Wakes one waiter; a ring with nobody waiting is kept for the next wait.
/// Unlike an `AsyncStream`, a cancelled wait leaves the doorbell usable. The engine's timers and the Elasticsearch
/// writer (woken by each commit) wait on one.
public final class Doorbell: Sendable {
    private struct State {
        var waiter: CheckedContinuation<Void, Never>?
        var rung = false
    }
    private let state = Mutex(State())

    public init() {}

    public func ring() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when rung, after `timeout`, or when the waiting task is cancelled. (A timer that fires as a ring ends
    /// the wait may leave a ring for the next one: an early wake, which a waiter that looks for work takes in stride.)
    public func wait(upTo timeout: Duration) async {
        let timer = Task { [weak self] in
            // A timer cancelled because the wait ended must not ring: that would end the next wait at once.
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.ring()
        }
        defer { timer.cancel() }
        await wait()
    }

    /// Returns when rung, or when the waiting task is cancelled.
    public func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Checked under the lock: a cancellation either came before (seen here)
                // or comes after the waiter is stored (the handler resumes it).
                let resumeNow: Bool = state.withLock { state in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}

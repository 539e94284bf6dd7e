import Synchronization

/// Lets the engine ask one running attempt to stop (timeout, cancel, shutdown),
/// which a task group cannot do for one of its children.
public final class AttemptStopSignal: Sendable {
    private enum State {
        case running(waiter: CheckedContinuation<StopReason?, Never>?)
        case stopped(StopReason)
        case abandoned
    }
    private let state = Mutex(State.running(waiter: nil))

    public init() {}

    /// Asks the attempt to stop; the first reason wins.
    public func stop(_ reason: StopReason) {
        let waiter: CheckedContinuation<StopReason?, Never>? = state.withLock { state in
            guard case .running(let waiter) = state else { return nil }
            state = .stopped(reason)
            return waiter
        }
        waiter?.resume(returning: reason)
    }

    /// The reason the attempt was asked to stop, if it was.
    public var reason: StopReason? {
        state.withLock { state in
            if case .stopped(let reason) = state { return reason }
            return nil
        }
    }

    /// Suspends until `stop` is called (returning its reason) or the waiting task is cancelled (returning `nil`).
    func wait() async -> StopReason? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<StopReason?, Never>) in
                let immediate: StopReason?? = state.withLock { state in
                    switch state {
                    case .running:
                        state = .running(waiter: continuation)
                        return .none
                    case .stopped(let reason): return .some(reason)
                    case .abandoned: return .some(nil)
                    }
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter: CheckedContinuation<StopReason?, Never>? = state.withLock { state in
                guard case .running(let waiter) = state else { return nil }
                state = .abandoned
                return waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}

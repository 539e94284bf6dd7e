import Synchronization

/// The engine's queue of events: posted from anywhere without waiting, taken by
/// the engine's loop a whole batch at a time, so that one transaction records
/// everything that happened meanwhile (group commit).
final class EngineInbox: Sendable {
    /// Events taken together, and when the first of them was posted (for the engine's lag).
    struct Batch {
        var events: [EngineEvent]
        var postedAt: ContinuousClock.Instant?
    }

    private struct State {
        var events: [EngineEvent] = []
        var firstPostedAt: ContinuousClock.Instant?
        var waiter: CheckedContinuation<Batch, Never>?
        var closed = false
        /// Set when the consumer's task is cancelled, so that a wait begun just after returns at once.
        var consumerCancelled = false

        /// The pending events, emptied.
        mutating func take() -> Batch {
            defer {
                events.removeAll(keepingCapacity: true)
                firstPostedAt = nil
            }
            return Batch(events: events, postedAt: firstPostedAt)
        }
    }
    private let state = Mutex(State())

    /// Adds an event; returns `false` when the engine has stopped taking events.
    @discardableResult
    func post(_ event: EngineEvent) -> Bool {
        let now = ContinuousClock.now
        let (waiter, accepted): (CheckedContinuation<Batch, Never>?, Bool) = state.withLock { state in
            guard !state.closed else { return (nil, false) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, true)
            }
            if state.events.isEmpty { state.firstPostedAt = now }
            state.events.append(event)
            return (nil, true)
        }
        waiter?.resume(returning: Batch(events: [event], postedAt: now))
        return accepted
    }

    /// Every event posted since the last call; waits for one when there are none.
    /// Returns an empty batch when the waiting task is cancelled, unless told to ignore
    /// cancellation (the engine does so while draining, to wait for its attempts to end).
    func next(ignoringCancellation: Bool = false) async -> Batch {
        if ignoringCancellation { return await nextBatch() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready: Batch? = state.withLock { state in
                    if !state.events.isEmpty || state.closed || state.consumerCancelled { return state.take() }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.consumerCancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: Batch(events: [], postedAt: nil))
        }
    }

    private func nextBatch() async -> Batch {
        await withCheckedContinuation { continuation in
            let ready: Batch? = state.withLock { state in
                if !state.events.isEmpty || state.closed { return state.take() }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Stops taking events and returns those not yet taken, so their callers can be answered.
    func close() -> [EngineEvent] {
        state.withLock { state in
            state.closed = true
            defer { state.events.removeAll() }
            return state.events
        }
    }
}

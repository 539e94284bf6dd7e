import Synchronization

/// The engine's queue of events: posted from anywhere without waiting, taken by
/// the engine's loop a whole batch at a time, so that one transaction records
/// everything that happened meanwhile (group commit).
final class EngineInbox: Sendable {
    private struct State {
        var events: [EngineEvent] = []
        var waiter: CheckedContinuation<[EngineEvent], Never>?
        var closed = false
        /// Set when the consumer's task is cancelled, so that a wait begun just after returns at once.
        var consumerCancelled = false
    }
    private let state = Mutex(State())

    /// Adds an event; returns `false` when the engine has stopped taking events.
    @discardableResult
    func post(_ event: EngineEvent) -> Bool {
        let (waiter, accepted): (CheckedContinuation<[EngineEvent], Never>?, Bool) = state.withLock { state in
            guard !state.closed else { return (nil, false) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, true)
            }
            state.events.append(event)
            return (nil, true)
        }
        waiter?.resume(returning: [event])
        return accepted
    }

    /// Every event posted since the last call; waits for one when there are none.
    /// Returns an empty batch when the waiting task is cancelled, unless told to ignore
    /// cancellation (the engine does so while draining, to wait for its attempts to end).
    func next(ignoringCancellation: Bool = false) async -> [EngineEvent] {
        if ignoringCancellation { return await nextBatch() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready: [EngineEvent]? = state.withLock { state in
                    if !state.events.isEmpty || state.closed || state.consumerCancelled {
                        defer { state.events.removeAll(keepingCapacity: true) }
                        return state.events
                    }
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
            waiter?.resume(returning: [])
        }
    }

    private func nextBatch() async -> [EngineEvent] {
        await withCheckedContinuation { continuation in
            let ready: [EngineEvent]? = state.withLock { state in
                if !state.events.isEmpty || state.closed {
                    defer { state.events.removeAll(keepingCapacity: true) }
                    return state.events
                }
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

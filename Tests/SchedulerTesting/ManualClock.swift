public import Foundation
public import Scheduler
import Synchronization

/// A clock that moves only when the test says so; sleepers wake when it passes their deadline.
public final class ManualClock: SchedulerClock {
    private struct Sleeper {
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now: Date
        var sleepers: [UUID: Sleeper] = [:]
    }
    private let state: Mutex<State>

    public init(now: Date) { state = Mutex(State(now: now)) }

    public func now() -> Date { state.withLock { $0.now } }

    /// How many tasks sleep on this clock, so a test can wait until the engine has armed its timer.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline anyone sleeps until.
    public var nextDeadline: Date? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    public func sleep(until deadline: Date) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    if deadline <= state.now || Task.isCancelled { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Moves the clock to `date` and wakes every sleeper whose deadline has come.
    public func advance(to date: Date) {
        let due: [Sleeper] = state.withLock { state in
            state.now = max(state.now, date)
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers.removeValue(forKey: id) }
            return Array(due.values)
        }
        due.forEach { $0.continuation.resume() }
    }

    public func advance(by seconds: TimeInterval) { advance(to: now().addingTimeInterval(seconds)) }
}
